// End-to-end QoS1 latency: one publisher paced at a fixed rate, one subscriber; each payload
// carries the send time (hrtime, same process), so latency = receive time - send time.
import { BenchConnection } from './bench-connection.js';
import { describePublish, encodePublish, publishPayloadOffset } from './mqtt-frames.js';
import { summarizeLatency } from './percentile.js';
import type { LatencyResult, LatencySpec, ScenarioEndpoints } from './scenario-spec.js';

const TICK_MS = 1;

export async function runLatency(spec: LatencySpec, endpoints: ScenarioEndpoints): Promise<LatencyResult> {
  const topic = `bench/${process.pid}-${Date.now().toString(36)}/latency`;
  const capacity = Math.ceil((spec.ratePerSecond * (spec.warmupMs + spec.measureMs)) / 1000) + 1024;
  const samples = new Float64Array(capacity);
  let sampleCount = 0;
  let received = 0;
  let sent = 0;
  let measureFrom: bigint | undefined;
  const connections: BenchConnection[] = [];
  try {
    const local = endpoints.localAddress;
    const sub = await BenchConnection.open({ endpoint: endpoints.subscribe, clientId: `bench-lat-sub-${process.pid}`, localAddress: local });
    connections.push(sub);
    await sub.subscribe(topic, 1);
    sub.onPublish((first, buf, bodyStart) => {
      const sentAt = buf.readBigUInt64BE(publishPayloadOffset(first, buf, bodyStart));
      received++;
      if (measureFrom !== undefined && sentAt >= measureFrom && sampleCount < capacity) samples[sampleCount++] = Number(process.hrtime.bigint() - sentAt) / 1e6;
    }, true);
    const pub = await BenchConnection.open({ endpoint: endpoints.publish, clientId: `bench-lat-pub-${process.pid}`, localAddress: local });
    connections.push(pub);

    const template = encodePublish(topic, Buffer.alloc(Math.max(8, spec.payloadBytes), 0x61), 1, 1);
    const layout = describePublish(template);
    let packetId = 1;
    const start = process.hrtime.bigint();
    const warmupEnd = start + BigInt(spec.warmupMs) * 1_000_000n;
    const end = warmupEnd + BigInt(spec.measureMs) * 1_000_000n;
    await new Promise<void>((resolve, reject) => {
      // Paced by elapsed time, not by timer count: a late tick sends what is due, as a real
      // client with a backlog would.
      const timer = setInterval(() => {
        const broken = connections.find((c) => c.error !== undefined);
        if (broken) {
          clearInterval(timer);
          reject(new Error('a latency connection failed', { cause: broken.error }));
          return;
        }
        const t = process.hrtime.bigint();
        if (t >= end) {
          clearInterval(timer);
          resolve();
          return;
        }
        if (measureFrom === undefined && t >= warmupEnd) measureFrom = t;
        const due = Math.floor((Number(t - start) / 1e9) * spec.ratePerSecond) - sent;
        for (let k = 0; k < due; k++) {
          const frame = Buffer.from(template);
          frame.writeUInt16BE(packetId, layout.packetIdOffset);
          packetId = packetId === 0xffff ? 1 : packetId + 1;
          frame.writeBigUInt64BE(process.hrtime.bigint(), layout.payloadOffset);
          pub.write(frame);
          sent++;
        }
      }, TICK_MS);
    });
    // Let the last messages arrive (bounded), so the tail is not cut off.
    const drainUntil = Date.now() + 2000;
    while (received < sent && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
    const summary = summarizeLatency(samples, sampleCount);
    return { kind: 'latency', latencyMs: summary, sent, received };
  } finally {
    for (const c of connections) c.close();
  }
}
