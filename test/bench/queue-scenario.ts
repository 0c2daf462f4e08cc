// Offline queue (issue 9): persistent subscribers subscribe and go away, QoS 1 messages are
// published for them (all acknowledged, so all queued), then every subscriber comes back at once:
// how long the queues take to drain, and what a queued message costs in Redis and in the broker.
import { Redis } from 'ioredis';
import { BenchConnection, type Endpoint } from './bench-connection.js';
import { describePublish, encodePublish } from './mqtt-frames.js';
import { readRssBytes, sumOver } from './process-stats.js';
import type { QueueResult, QueueSpec, ScenarioEndpoints } from './scenario-spec.js';

const PHASE_TIMEOUT_MS = 180_000;

async function usedMemory(redis: Endpoint | undefined): Promise<number | undefined> {
  if (redis === undefined) return undefined;
  const client = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await client.connect();
    const info = await client.info('memory');
    const m = /used_memory:(\d+)/.exec(info);
    return m === null ? undefined : Number(m[1]);
  } finally {
    client.disconnect();
  }
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`offline queue: ${what} did not finish within ${PHASE_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runQueue(spec: QueueSpec, endpoints: ScenarioEndpoints): Promise<QueueResult> {
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const topic = (s: number): string => `bench/queue/${run}/${s}`;
  const clientId = (s: number): string => `bench-q-${s}-${run}`;
  const local = endpoints.localAddress;
  const open: BenchConnection[] = [];
  try {
    for (let s = 0; s < spec.sessions; s++) {
      const c = await BenchConnection.open({ endpoint: endpoints.subscribe, clientId: clientId(s), localAddress: local, persistent: true });
      await c.subscribe(topic(s), 1);
      c.close();
    }
    const memoryBefore = await usedMemory(endpoints.redis);
    const rssBefore = endpoints.brokerPids.length > 0 ? await sumOver(endpoints.brokerPids, readRssBytes) : undefined;

    // Publish: each publisher keeps `window` unacknowledged, topics round-robin over the sessions.
    const payload = Buffer.alloc(Math.max(2, spec.payloadBytes), 0x71);
    const frames = Array.from({ length: spec.sessions }, (_, s) => encodePublish(topic(s), payload, 1, 1));
    const perPublisher = Math.ceil(spec.messages / spec.publishers);
    let acked = 0;
    const started = performance.now();
    const publishers = await Promise.all(Array.from({ length: spec.publishers }, async (_, p) => {
      const c = await BenchConnection.open({ endpoint: endpoints.publish, clientId: `bench-qp-${p}-${run}`, localAddress: local });
      open.push(c);
      const count = Math.min(perPublisher, spec.messages - p * perPublisher);
      let sent = 0;
      let packetId = 0;
      const pump = (): void => {
        const room = Math.min(spec.window - (sent - c.pubacks), count - sent);
        if (room <= 0) return;
        const parts: Buffer[] = [];
        for (let k = 0; k < room; k++) {
          const frame = Buffer.from(frames[(p * perPublisher + sent + k) % spec.sessions]!);
          packetId = packetId === 0xffff ? 1 : packetId + 1;
          frame.writeUInt16BE(packetId, describePublish(frame).packetIdOffset);
          parts.push(frame);
        }
        sent += room;
        c.write(Buffer.concat(parts));
      };
      c.onPuback(() => { acked++; });
      c.onChunk(pump);
      pump();
      return { c, count };
    }));
    await until(() => publishers.every((p) => p.c.pubacks >= p.count) || publishers.some((p) => p.c.error !== undefined), 'publishing');
    const failed = publishers.find((p) => p.c.error !== undefined);
    if (failed !== undefined) throw new Error('a publisher failed', { cause: failed.c.error });
    const publishSeconds = (performance.now() - started) / 1000;
    const memoryAfter = await usedMemory(endpoints.redis);
    const rssAfter = rssBefore === undefined ? undefined : await sumOver(endpoints.brokerPids, readRssBytes);

    // Everyone comes back at once.
    let received = 0;
    const drainStarted = performance.now();
    const subscribers = await Promise.all(Array.from({ length: spec.sessions }, async (_, s) => {
      const c = await BenchConnection.open({
        endpoint: endpoints.subscribe, clientId: clientId(s), localAddress: local, persistent: true, onPublish: () => { received++; }, autoAck: true,
      });
      open.push(c);
      return c;
    }));
    await until(() => received >= acked || subscribers.some((c) => c.error !== undefined), 'draining');
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    return {
      kind: 'queue', messages: acked, publishSeconds, drainSeconds, received,
      ...(memoryBefore !== undefined && memoryAfter !== undefined ? { storeBytesPerMessage: (memoryAfter - memoryBefore) / acked } : {}),
      ...(rssBefore !== undefined && rssAfter !== undefined ? { rssBytesPerMessage: (rssAfter - rssBefore) / acked } : {}),
    };
  } finally {
    for (const c of open) c.close();
  }
}
