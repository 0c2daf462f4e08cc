// Redis out of memory (a small maxmemory with noeviction), filled by a QoS 1 load to offline
// persistent sessions: the broker does not crash, acknowledges nothing Redis refused (v5 PUBACK
// 0x97 Quota exceeded with a reason string), keeps serving QoS 0 and clean sessions, says so on
// /readyz and in meshmq_store_* with one log line, although PING still answers under OOM, and
// recovers by itself once memory is raised: every acknowledged message reaches its subscribers.
import { describe, expect } from '@jest/globals';
import type { IPubackPacket, Packet } from 'mqtt-packet';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { metricValue } from '../support/http-client.js';
import { LoadPublisher } from '../support/load-publisher.js';
import { TestClient } from '../support/mqtt-clients.js';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { expectCleanTrafficServed, logLines, readiness, storeUp } from '../support/store-trouble.js';
import { waitFor } from '../support/wait.js';

const fixture = redisBrokerFixture({ redis: { appendfsync: 'everysec' }, name: 'oom-node',
    store: { MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '1000' },
    // The offline queues hold everything published meanwhile: none is dropped for space in memory.
    env: { MESHMQ_MAX_QUEUED_MESSAGES: '100000' } });

async function usedMemory(): Promise<number> {
  const info = await fixture.redis.admin().info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

describe('Redis out of memory', () => {
  itRequiring(hasRedisServer())('refuses what Redis cannot hold (0x97), stays one state change, and recovers when memory is raised', async () => {
    const b = fixture.broker;
    let crashed = false;
    void b.handle.exited.then(() => { crashed = true; });
    // Two persistent sessions that went offline: every QoS 1 message is queued in Redis for both.
    const subs = ['oom-a', 'oom-b'].map((id) => new CountingSubscriber(id));
    for (const s of subs) {
      fixture.cleanup.add(s, () => s.close());
      await s.connect(b.host, b.ports.mqtt, { filter: 'oom/load/#', qos: 1 });
      s.close();
    }
    // Room for a few hundred 4 KiB messages on top of what Redis holds now.
    await fixture.redis.admin().config('SET', 'maxmemory', String(await usedMemory() + 2 * 1024 * 1024));
    // 4 KiB payloads, each one distinct (the counter ends it).
    const publisher = await LoadPublisher.connect(b.mqttUrl, 'oom/load/x', 1, 'p'.repeat(4096));
    fixture.cleanup.add(publisher, () => publisher.close());
    const load = publisher.start(20_000, 4);

    await waitFor(async () => (await readiness(b.httpUrl)).status === 503, { what: '/readyz 503 once Redis is full', timeoutMs: 20_000 });
    expect(publisher.acked.size).toBeGreaterThan(50);
    const ready = await readiness(b.httpUrl);
    expect(ready.reason).toBe('store_unavailable');
    expect(ready.message).toMatch(/out of memory/);
    expect(await storeUp(b.httpUrl)).toBe(0);
    // Refused in the protocol's way, and the reason said.
    const probe: TestClient = await TestClient.connect(b.mqttUrl, { protocolVersion: 5 });
    fixture.cleanup.add(probe, () => probe.destroy());
    expect(await probe.publish('oom/load/probe', 'probe', { qos: 1 })).toBe(0x97);
    const puback = (await probe.packets.nextMatching((p: Packet) => p.cmd === 'puback', 5000)) as IPubackPacket;
    expect(puback.properties?.reasonString).toMatch(/out of memory/);
    // (A persistent CONNECT may be taken or refused: its few bytes may fit where a batch did not.)
    await expectCleanTrafficServed(b.mqttUrl, 'oom/clean', 5, false);

    // PING answers under OOM: the state must not flap while the load goes on and every write fails.
    const refusedAtDown = publisher.refused.size;
    await waitFor(() => publisher.refused.size >= refusedAtDown + 200, { what: '200 more refusals under OOM', timeoutMs: 20_000 });
    expect((await readiness(b.httpUrl)).status).toBe(503);
    expect(await metricValue(b.httpUrl, 'meshmq_store_outages_total')).toBe(1);
    expect([logLines(b.handle, 'store unavailable'), logLines(b.handle, 'store available again')]).toEqual([1, 0]);
    expect(await metricValue(b.httpUrl, 'meshmq_store_failures_total', { cause: 'oom' })).toBeGreaterThan(0);
    expect(publisher.refusalCodes.get(0x97)).toBeGreaterThan(0);
    expect([...publisher.refusalCodes.keys()]).toEqual([0x97]);

    // Memory raised: it recovers by itself, without a restart.
    await fixture.redis.admin().config('SET', 'maxmemory', '0');
    await waitFor(async () => (await readiness(b.httpUrl)).status === 200, { what: '/readyz 200 again', timeoutMs: 15_000 });
    const ackedAtUp = publisher.acked.size;
    await waitFor(() => publisher.acked.size >= ackedAtUp + 50, { what: 'publishes acknowledged again', timeoutMs: 15_000 });
    await publisher.stop();
    await load;
    expect([logLines(b.handle, 'store unavailable'), logLines(b.handle, 'store available again')]).toEqual([1, 1]);

    // Every acknowledged message reaches both sessions, from what Redis holds: kill -9 the broker first.
    await waitFor(async () => (await metricValue(b.httpUrl, 'meshmq_store_dirty_sessions')) === 0, { what: 'the refused sessions rewritten', timeoutMs: 15_000 });
    expect(crashed).toBe(false);
    await b.kill();
    await b.restart();
    for (const s of subs) expect(await s.connect(b.host, b.ports.mqtt)).toBe(true);
    await waitFor(() => subs.every((s) => [...publisher.acked].every((m) => s.counts.has(m))), { what: `every acknowledged message (${publisher.acked.size}) at both sessions`, timeoutMs: 20_000 });
  }, 90_000);
});
