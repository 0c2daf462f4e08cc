// Throughput at QoS0/QoS1: publishers write pre-encoded batches while they hold window credit,
// credit returns as subscribers receive (and, at QoS1, as PUBACKs arrive), so the figure is
// what the broker sustains, not what it buffers.
import { BenchConnection } from './bench-connection.js';
import { describePublish, encodePublish, publishPayloadOffset } from './mqtt-frames.js';
import { sumOver, readCpuSeconds } from './process-stats.js';
import type { ScenarioEndpoints, ThroughputResult, ThroughputSpec } from './scenario-spec.js';
import { buildTopology } from './topology.js';

/** A publisher whose credit has not moved for this long gives its outstanding messages up as lost. */
const STALL_MS = 1000;
const WATCHDOG_MS = 100;

interface Publisher {
  readonly connection: BenchConnection;
  readonly recipients: readonly number[];
  readonly frame: Buffer;
  /** QoS0: `window` copies of the frame, written as one slice. */
  readonly batch: Buffer | undefined;
  readonly packetIdOffset: number;
  sent: number;
  lost: number;
  nextPacketId: number;
  lastAcked: number;
  lastProgressAt: number;
}

export async function runThroughput(spec: ThroughputSpec, endpoints: ScenarioEndpoints, now: () => number = performance.now.bind(performance)): Promise<ThroughputResult> {
  const plan = buildTopology(spec.topology, spec.streams, `bench/${process.pid}-${Date.now().toString(36)}`);
  const publisherCount = plan.publishers.length;
  const received = new Float64Array(plan.subscriberFilters.length * publisherCount);
  const connections: BenchConnection[] = [];
  const minBatch = Math.max(1, Math.floor(spec.window / 8));
  let delivered = 0;
  let running = false;
  const publishers: Publisher[] = [];

  const acked = (p: Publisher, index: number): number => {
    let min = Number.POSITIVE_INFINITY;
    for (const r of p.recipients) min = Math.min(min, received[r * publisherCount + index] as number);
    return spec.qos === 1 ? Math.min(min, p.connection.pubacks) : min;
  };
  const pump = (index: number): void => {
    const p = publishers[index];
    if (!running || p === undefined) return;
    const free = Math.min(spec.window, spec.window - (p.sent - acked(p, index) - p.lost));
    if (free < minBatch) return;
    p.connection.write(buildBatch(p, free));
    p.sent += free;
  };
  const pumpAll = (): void => {
    for (let i = 0; i < publisherCount; i++) pump(i);
  };

  try {
    const local = endpoints.localAddress;
    for (const [s, filter] of plan.subscriberFilters.entries()) {
      const sub = await BenchConnection.open({ endpoint: endpoints.subscribe, clientId: `bench-sub-${s}-${process.pid}`, localAddress: local, persistent: spec.persistent === true });
      connections.push(sub);
      await sub.subscribe(filter, spec.qos);
      const row = s * publisherCount;
      sub.onPublish((first, buf, bodyStart) => {
        const from = buf.readUInt16BE(publishPayloadOffset(first, buf, bodyStart));
        if (from < publisherCount) received[row + from] = (received[row + from] as number) + 1;
        delivered++;
      }, spec.qos === 1);
      sub.onChunk(pumpAll);
    }
    const payload = Buffer.alloc(Math.max(2, spec.payloadBytes), 0x61);
    for (const [i, planned] of plan.publishers.entries()) {
      const connection = await BenchConnection.open({ endpoint: endpoints.publish, clientId: `bench-pub-${i}-${process.pid}`, localAddress: local, persistent: spec.persistent === true });
      connections.push(connection);
      payload.writeUInt16BE(i, 0);
      const frame = encodePublish(planned.topic, payload, spec.qos, 1);
      const layout = describePublish(frame);
      publishers.push({
        connection, recipients: planned.recipients, frame, packetIdOffset: layout.packetIdOffset,
        batch: spec.qos === 0 ? Buffer.alloc(frame.length * spec.window, frame) : undefined,
        sent: 0, lost: 0, nextPacketId: 1, lastAcked: 0, lastProgressAt: now(),
      });
      if (spec.qos === 1) connection.onChunk(() => pump(i));
    }

    running = true;
    pumpAll();
    const watchdog = startWatchdog(publishers, connections, acked, now, pump);
    try {
      await watchdog.sleep(spec.warmupMs);
      const start = await snapshot(() => delivered, publishers, endpoints.brokerPids, now);
      await watchdog.sleep(spec.measureMs);
      const end = await snapshot(() => delivered, publishers, endpoints.brokerPids, now);
      const seconds = (end.at - start.at) / 1000;
      return {
        kind: 'throughput',
        deliveredPerSecond: (end.delivered - start.delivered) / seconds,
        publishedPerSecond: (end.sent - start.sent) / seconds,
        lost: publishers.reduce((sum, p) => sum + p.lost, 0),
        measuredMs: end.at - start.at,
        brokerCpu: (end.brokerCpuSeconds - start.brokerCpuSeconds) / seconds,
        generatorCpu: (end.generatorCpuMicros - start.generatorCpuMicros) / 1e6 / seconds,
      };
    } finally {
      watchdog.stop();
    }
  } finally {
    running = false;
    for (const c of connections) c.close();
  }
}

/** QoS0 reuses one pre-built batch; QoS1 copies the template and patches packet ids. */
function buildBatch(p: Publisher, count: number): Buffer {
  const len = p.frame.length;
  if (p.batch !== undefined) return p.batch.subarray(0, count * len);
  const batch = Buffer.alloc(count * len, p.frame);
  for (let k = 0; k < count; k++) {
    batch.writeUInt16BE(p.nextPacketId, k * len + p.packetIdOffset);
    p.nextPacketId = p.nextPacketId === 0xffff ? 1 : p.nextPacketId + 1; // [MQTT-2.3.1-1] non-zero
  }
  return batch;
}

interface Snapshot {
  readonly at: number;
  readonly delivered: number;
  readonly sent: number;
  readonly brokerCpuSeconds: number;
  readonly generatorCpuMicros: number;
}

async function snapshot(delivered: () => number, publishers: readonly Publisher[], pids: readonly number[], now: () => number): Promise<Snapshot> {
  const brokerCpuSeconds = pids.length > 0 ? await sumOver(pids, readCpuSeconds) : Number.NaN;
  const cpu = process.cpuUsage();
  return { at: now(), delivered: delivered(), sent: publishers.reduce((s, p) => s + p.sent, 0), brokerCpuSeconds, generatorCpuMicros: cpu.user + cpu.system };
}

/**
 * Every WATCHDOG_MS: fail fast on a broken connection, and release the window of a publisher
 * whose messages stopped arriving (a broker may drop QoS0 under load) so the run continues.
 */
function startWatchdog(publishers: Publisher[], connections: readonly BenchConnection[], acked: (p: Publisher, i: number) => number, now: () => number, pump: (i: number) => void) {
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const timer = setInterval(() => {
    const broken = connections.find((c) => c.error !== undefined);
    if (broken) {
      failure = new Error('a benchmark connection failed during the run', { cause: broken.error });
      wake?.();
      return;
    }
    const t = now();
    for (const [i, p] of publishers.entries()) {
      const a = acked(p, i);
      if (a > p.lastAcked) {
        p.lastAcked = a;
        p.lastProgressAt = t;
      } else if (p.sent - a - p.lost > 0 && t - p.lastProgressAt > STALL_MS) {
        p.lost = p.sent - a;
        p.lastProgressAt = t;
        pump(i);
      }
    }
  }, WATCHDOG_MS);
  return {
    async sleep(ms: number): Promise<void> {
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, ms);
        wake = () => { clearTimeout(done); resolve(); };
      });
      wake = undefined;
      if (failure) throw failure;
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
