// Memory stays bounded while Redis is away: Redis frozen (SIGSTOP), then killed, while a publisher
// that does not wait for acks floods QoS 1 and QoS 0 to persistent (online and offline) and clean
// subscribers. The broker holds at most store.maxPendingWrites writes for a Redis that does not
// answer (refusing beyond, 0x97), refuses at once once it is known down, and keeps only bounded
// session queues: its heap, read from its own metrics, grows far less than what was published.
import { describe, expect } from '@jest/globals';
import mqtt from 'mqtt';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { metricValue } from '../support/http-client.js';
import { TestClient } from '../support/mqtt-clients.js';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { readiness } from '../support/store-trouble.js';
import { waitFor } from '../support/wait.js';

const PAYLOAD = Buffer.alloc(4096, 0x61);
const MAX_PENDING = 200;
const fixture = redisBrokerFixture({ redis: { appendfsync: 'everysec' }, name: 'away-node',
    store: { MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '3000', MESHMQ_STORE_MAX_PENDING_WRITES: String(MAX_PENDING) } });

/**
 * Publishes `perTick` QoS 1 and as many QoS 0 messages every millisecond without waiting for any
 * ack (mqtt.js puts no limit on them), until stop(); counts the bytes and the QoS 1 answers by code.
 */
function flood(url: string, perTick: number): { bytes: () => number; codes: Map<number, number>; stop: () => Promise<void> } {
  const client = mqtt.connect(url, { protocolVersion: 5, clientId: 'away-flood', reconnectPeriod: 0 });
  client.on('error', () => { /* the counts tell */ });
  const codes = new Map<number, number>();
  let bytes = 0;
  let n = 0;
  const timer = setInterval(() => {
    if (!client.connected) return;
    for (let i = 0; i < perTick; i++) {
      const topic = `away/${n++ % 2 === 0 ? 'one' : 'zero'}`;
      client.publish(topic, PAYLOAD, { qos: 1 }, (err, packet) => {
        // mqtt.js reports a PUBACK reason code of 0x80 or more as an error carrying it.
        const refused = (err as (Error & { code?: unknown }) | null | undefined)?.code;
        const code = !err ? ((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0) : typeof refused === 'number' ? refused : -1;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      });
      client.publish('away/clean', PAYLOAD, { qos: 0 });
    }
  }, 1);
  // What went on the wire, not what waits in the client.
  client.on('packetsend', (p) => { if (p.cmd === 'publish') bytes += PAYLOAD.length; });
  return {
    bytes: () => bytes, codes,
    stop: async () => { clearInterval(timer); await client.endAsync(true); },
  };
}

describe('memory while Redis is away', () => {
  itRequiring(hasRedisServer())('stays bounded: pending writes capped, refusals at once, heap far below what was published', async () => {
    const b = fixture.broker;
    let crashed = false;
    void b.handle.exited.then(() => { crashed = true; });
    const online = new CountingSubscriber('away-online');
    fixture.cleanup.add(online, () => online.close());
    await online.connect(b.host, b.ports.mqtt, { filter: 'away/#', qos: 1 });
    const offline = new CountingSubscriber('away-offline');
    fixture.cleanup.add(offline, () => offline.close());
    await offline.connect(b.host, b.ports.mqtt, { filter: 'away/#', qos: 1 });
    offline.close();
    const clean = await TestClient.connect(b.mqttUrl, { protocolVersion: 5 });
    fixture.cleanup.add(clean, () => clean.destroy());
    await clean.subscribe('away/#', { qos: 1 });
    const heap = async (): Promise<number> => await metricValue(b.httpUrl, 'nodejs_heap_size_used_bytes');
    const baseline = await heap();

    const load = flood(b.mqttUrl, 1);
    fixture.cleanup.add(load, () => load.stop());
    await waitFor(() => (load.codes.get(0) ?? 0) >= 200, { what: '200 QoS 1 acknowledged before the outage', timeoutMs: 15_000 });
    const bytesBefore = load.bytes();
    // Frozen: nothing answers, the batch in flight waits out its timeout; then gone for good.
    fixture.redis.pause();
    let maxHeap = 0;
    let maxPending = 0;
    const sample = async (): Promise<void> => {
      maxHeap = Math.max(maxHeap, await heap());
      maxPending = Math.max(maxPending, await metricValue(b.httpUrl, 'meshmq_store_pending_writes'));
    };
    await waitFor(async () => { await sample(); return (await readiness(b.httpUrl)).status === 503; }, { what: 'the hung Redis noticed', timeoutMs: 15_000, intervalMs: 100 });
    await fixture.redis.kill();
    // Go on for a while with Redis gone: 40 MiB more published, sampled as it goes (bounded in time too).
    const target = load.bytes() + 40 * 1024 * 1024;
    await waitFor(async () => { await sample(); return load.bytes() >= target; }, { what: '40 MiB published with Redis gone', timeoutMs: 30_000, intervalMs: 100 });
    const published = load.bytes() - bytesBefore;
    await load.stop();
    await sample();

    expect(crashed).toBe(false);
    // Beyond the cap while Redis hung, refused at once (0x97); then refused as unavailable (0x80).
    expect(maxPending).toBeLessThanOrEqual(2 * MAX_PENDING);
    expect(load.codes.get(0x97) ?? 0).toBeGreaterThan(0);
    expect(load.codes.get(0x80) ?? 0).toBeGreaterThan(0);
    expect(await metricValue(b.httpUrl, 'meshmq_store_failures_total', { cause: 'backlog' })).toBeGreaterThan(0);
    // Bounded: the offline queue (1000 x 4 KiB) and the capped batches, not what was published
    // (every byte published meanwhile would be held if refused writes were buffered).
    const growth = maxHeap - baseline;
    expect(published).toBeGreaterThan(40 * 1024 * 1024);
    expect(growth).toBeLessThan(published / 3);
    expect(growth).toBeLessThan(64 * 1024 * 1024);

    await fixture.redis.restart();
    await waitFor(async () => (await readiness(b.httpUrl)).status === 200, { what: '/readyz 200 after Redis is back', timeoutMs: 15_000 });
    await waitFor(async () => (await metricValue(b.httpUrl, 'meshmq_store_dirty_sessions')) === 0, { what: 'the sessions rewritten', timeoutMs: 15_000 });
  }, 90_000);
});
