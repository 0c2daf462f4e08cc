// Redis killed and restarted, slowed with DEBUG SLEEP, frozen with SIGSTOP, all under a QoS 1 load
// to a persistent session: the broker does not crash, acknowledges nothing it could not store,
// refuses the rest (v5 0x80), keeps serving QoS 0 and clean sessions, says so on /readyz and in
// meshmq_store_* with one log line per change, and recovers by itself; its stored state is whole
// afterwards (a kill -9 of the broker then loses nothing).
import { describe, expect } from '@jest/globals';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { httpRequest, metricValue } from '../support/http-client.js';
import { LoadPublisher } from '../support/load-publisher.js';
import { TestClient } from '../support/mqtt-clients.js';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const fixture = redisBrokerFixture({ redis: { appendfsync: 'always' }, name: 'trouble-node', store: { MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '400' } });

async function readiness(): Promise<{ status: number; reason: string | undefined }> {
  const res = await httpRequest(`${fixture.broker.httpUrl}/readyz`);
  return { status: res.status, reason: (JSON.parse(res.body) as { reason?: string }).reason };
}

async function storeUp(): Promise<number> {
  return await metricValue(fixture.broker.httpUrl, 'meshmq_store_up');
}

/** While the store is down: /readyz says why, QoS 0 and clean sessions are served, a persistent CONNECT is refused. */
async function expectDegraded(): Promise<void> {
  await waitFor(async () => (await readiness()).status === 503, { what: '/readyz 503', timeoutMs: 10_000 });
  expect(await readiness()).toEqual({ status: 503, reason: 'store_unavailable' });
  expect(await storeUp()).toBe(0);
  const clean = fixture.cleanup.add(await TestClient.connect(fixture.broker.mqttUrl, { protocolVersion: 5 }), () => undefined);
  await clean.subscribe('trouble/clean/#', { qos: 1 });
  const pub = fixture.cleanup.add(await TestClient.connect(fixture.broker.mqttUrl, { protocolVersion: 5 }), () => undefined);
  await pub.publish('trouble/clean/0', 'zero', { qos: 0 });
  expect(await pub.publish('trouble/clean/1', 'one', { qos: 1 })).toBe(0);
  expect((await clean.messages.take(2, 5000)).map((m) => m.text)).toEqual(['zero', 'one']);
  const refused = await TestClient.connectRefused(fixture.broker.mqttUrl, { protocolVersion: 5, clientId: 'trouble-late', clean: false, properties: { sessionExpiryInterval: 60 } });
  expect(refused).toBe(0x88);
  await Promise.all([clean.destroy(), pub.destroy()]);
}

async function expectRecovered(publisher: LoadPublisher): Promise<void> {
  await waitFor(async () => (await readiness()).status === 200, { what: '/readyz 200 again', timeoutMs: 15_000 });
  expect(await storeUp()).toBe(1);
  const before = publisher.acked.size;
  await waitFor(() => publisher.acked.size >= before + 50, { what: 'publishes acknowledged again', timeoutMs: 15_000 });
}

describe('Redis trouble under load', () => {
  itRequiring(hasRedisServer())('never crashes, never acknowledges what it could not store, and recovers by itself', async () => {
    const b = fixture.broker;
    let crashed = false;
    void b.handle.exited.then(() => { crashed = true; });
    const sub = new CountingSubscriber('trouble-sub');
    fixture.cleanup.add(sub, () => sub.close());
    await sub.connect(b.host, b.ports.mqtt, { filter: 'trouble/load/#', qos: 1 });
    const publisher = await LoadPublisher.connect(b.mqttUrl, 'trouble/load/x', 1, 'm');
    fixture.cleanup.add(publisher, () => publisher.close());
    const load = publisher.start(200_000, 4);
    await waitFor(() => publisher.acked.size >= 100, { what: '100 acknowledged', timeoutMs: 15_000 });

    await fixture.redis.kill();
    await expectDegraded();
    await fixture.redis.restart();
    await expectRecovered(publisher);

    void fixture.redis.sleep(3);
    await expectDegraded();
    await expectRecovered(publisher);

    fixture.redis.pause();
    try {
      await expectDegraded();
    } finally {
      fixture.redis.resume();
    }
    await expectRecovered(publisher);

    await publisher.stop();
    await load;
    expect(publisher.refused.size).toBeGreaterThan(0);
    await waitFor(() => [...publisher.acked].every((m) => sub.counts.has(m)), { what: `every acknowledged message (${publisher.acked.size})`, timeoutMs: 15_000 });
    expect(await metricValue(b.httpUrl, 'meshmq_store_refused_publishes_total', { action: 'negative_ack' })).toBeGreaterThan(0);
    const outages = await metricValue(b.httpUrl, 'meshmq_store_outages_total');
    expect(outages).toBeGreaterThanOrEqual(3);
    // One line per change of state, not one per refused message.
    const lines = (msg: string): number => b.handle.logs().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;
    expect([lines('store unavailable'), lines('store available again')]).toEqual([outages, outages]);
    expect(crashed).toBe(false);

    // The session was rewritten whole after each outage: a kill -9 now keeps it and its subscription.
    sub.close();
    await b.kill();
    await b.restart();
    expect(await sub.connect(b.host, b.ports.mqtt)).toBe(true);
    const last = fixture.cleanup.add(await TestClient.connect(b.mqttUrl, { protocolVersion: 5 }), () => undefined);
    expect(await last.publish('trouble/load/after', 'after', { qos: 1 })).toBe(0);
    await waitFor(() => sub.counts.has('after'), { what: 'a message through the restored subscription' });
  }, 120_000);
});
