// A broker on Redis Sentinel (master, replica, three sentinels) through two failovers under a QoS 1
// load: kill -9 of the master, then a forced one (the old master answers READONLY until it follows
// the new one). Writes count once a replica holds them (MESHMQ_REDIS_MIN_REPLICAS=1), so a failover
// loses nothing acknowledged: a kill -9 of the broker afterwards still delivers every such message.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { httpRequest } from '../support/http-client.js';
import { LoadPublisher } from '../support/load-publisher.js';
import { RedisBroker } from '../support/redis-broker.js';
import { RedisSentinels, SENTINEL_MASTER } from '../support/redis-sentinel.js';
import { hasRedisServer } from '../support/redis-server.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const hasSentinel = hasCommand('redis-sentinel', ['--version']);
let sentinels: RedisSentinels | undefined;
let broker: RedisBroker | undefined;
const cleanup = new Cleanup();

beforeAll(async () => {
  if (!hasRedisServer().ok || !hasSentinel.ok) return;
  sentinels = await RedisSentinels.start();
  broker = await RedisBroker.start({
    name: 'sentinel-node',
    store: { MESHMQ_REDIS_SENTINELS: sentinels.addresses.join(','), MESHMQ_REDIS_SENTINEL_NAME: SENTINEL_MASTER, MESHMQ_REDIS_MIN_REPLICAS: '1' },
    env: { MESHMQ_MAX_QUEUED_MESSAGES: '100000', MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '1000' },
  });
}, 90_000);
afterAll(async () => { await cleanup.run(); await broker?.stop(); await sentinels?.stop(); }, 30_000);

async function ready(): Promise<boolean> {
  return (await httpRequest(`${broker!.httpUrl}/readyz`)).status === 200;
}

describe('Redis Sentinel failover', () => {
  itRequiring(hasRedisServer(), hasSentinel)('loses no acknowledged message through a killed master and a forced failover', async () => {
    const b = broker!;
    const s = sentinels!;
    const sub = new CountingSubscriber('sentinel-sub');
    cleanup.add(sub, () => sub.close());
    await sub.connect(b.host, b.ports.mqtt, { filter: 'sentinel/#', qos: 1 });
    sub.close(); // offline: everything acknowledged is queued in Redis
    const publisher = await LoadPublisher.connect(b.mqttUrl, 'sentinel/x', 1, 's');
    cleanup.add(publisher, () => publisher.close());
    const load = publisher.start(50_000, 4);
    const grows = async (n: number, what: string): Promise<void> => {
      const from = publisher.acked.size;
      await waitFor(() => publisher.acked.size >= from + n, { what: `${what} (${publisher.sent} sent, ${publisher.refused.size} refused)`, timeoutMs: 30_000 });
    };
    await grows(200, '200 acknowledged');

    // kill -9 of the master: the sentinels promote the replica; the old master comes back as its replica.
    const first = await s.master();
    await s.server(first).kill();
    await waitFor(async () => (await s.master()) !== first, { what: 'the sentinels to promote the replica', timeoutMs: 30_000 });
    await s.server(first).restart();
    await s.settled();
    await grows(200, '200 acknowledged after the master was killed');
    // A forced failover back: the demoted master answers READONLY until the broker follows the new one.
    const second = await s.master();
    expect(await s.failover()).toBe(first);
    expect(second).not.toBe(first);
    await grows(200, '200 acknowledged after the forced failover');
    await waitFor(ready, { what: '/readyz 200' });
    await publisher.stop();
    await load;

    await b.kill();
    await b.restart();
    expect(await sub.connect(b.host, b.ports.mqtt)).toBe(true);
    await waitFor(() => [...publisher.acked].every((m) => sub.counts.has(m)), {
      what: `every acknowledged message (${publisher.acked.size} acknowledged, ${publisher.refused.size} refused)`, timeoutMs: 30_000,
    });
  }, 150_000);
});
