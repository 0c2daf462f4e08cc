// Expiry enforced in Redis, not only in memory: an expired session's keys (and its index entry) go,
// an expired queued message leaves the stored queue, an expired retained message leaves the store
// with its index entries; a disconnected session's keys carry a TTL, so even with no broker left
// they do not outlive it by more than the grace its owner has to end it.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { RedisKeys } from '../../broker/store/redis/redis-keys.js';
import { Cleanup } from '../support/cleanup.js';
import { TestClient } from '../support/mqtt-clients.js';
import { RedisBroker } from '../support/redis-broker.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const keys = new RedisKeys('meshmq');
const GRACE_MS = 30_000; // STORE_EXPIRY_GRACE_MS
let redis: RedisServer | undefined;
let broker: RedisBroker | undefined;
const cleanup = new Cleanup();

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start();
  broker = await RedisBroker.start({ name: 'expiry-node', store: { MESHMQ_REDIS_URL: redis.url } });
}, 60_000);
afterAll(async () => { await cleanup.run(); await broker?.stop(); await redis?.stop(); }, 30_000);

async function connect(options: Parameters<typeof TestClient.connect>[1]): Promise<TestClient> {
  const client = await TestClient.connect(broker!.mqttUrl, { protocolVersion: 5, ...options });
  return cleanup.add(client, () => client.destroy());
}

describe('expiry in the store', () => {
  itRequiring(hasRedisServer())('removes an expired session, with a TTL on its keys meanwhile', async () => {
    const admin = redis!.admin();
    const k = keys.session('exp-session');
    const c = await connect({ clientId: 'exp-session', clean: false, properties: { sessionExpiryInterval: 2 } });
    await c.subscribe('exp/session', { qos: 1 });
    await waitFor(async () => (await admin.exists(k.subscriptions)) === 1, { what: 'the stored subscription' });
    expect(await admin.pttl(k.record)).toBe(-1); // connected: no TTL
    await c.disconnect();
    await waitFor(async () => (await admin.pttl(k.record)) > 0, { what: 'a TTL on the disconnected session' });
    const ttl = await admin.pttl(k.record);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(2000 + GRACE_MS);
    expect(await admin.sismember(keys.sessionIndex('expiry-node'), 'exp-session')).toBe(1);
    // Its owner ends it when it expires: every key and its index entry go.
    await waitFor(async () => (await admin.exists(k.record, k.subscriptions, k.queue, k.inflight, k.incoming)) === 0, { what: 'the expired session gone from Redis', timeoutMs: 10_000 });
    expect(await admin.sismember(keys.sessionIndex('expiry-node'), 'exp-session')).toBe(0);
  }, 30_000);

  itRequiring(hasRedisServer())('removes an expired message from a stored queue', async () => {
    const admin = redis!.admin();
    const k = keys.session('exp-queue');
    const c = await connect({ clientId: 'exp-queue', clean: false, properties: { sessionExpiryInterval: 300 } });
    await c.subscribe('exp/queue', { qos: 1 });
    await c.disconnect();
    const pub = await connect({});
    expect(await pub.publish('exp/queue', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })).toBe(0);
    expect(await pub.publish('exp/queue', 'lasting', { qos: 1 })).toBe(0);
    expect(await admin.llen(k.queue)).toBe(2);
    await waitFor(async () => (await admin.llen(k.queue)) === 1, { what: 'the expired message gone from the stored queue', timeoutMs: 10_000 });
    const back = await connect({ clientId: 'exp-queue', clean: false, properties: { sessionExpiryInterval: 300 } });
    expect((await back.messages.next(5000)).text).toBe('lasting');
    await expect(back.messages.next(300)).rejects.toThrow();
  }, 30_000);

  itRequiring(hasRedisServer())('removes an expired retained message and its index entries', async () => {
    const admin = redis!.admin();
    const pub = await connect({});
    expect(await pub.publish('exp/retained/short', 'gone soon', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } })).toBe(0);
    expect(await pub.publish('exp/retained/long', 'stays', { qos: 1, retain: true })).toBe(0);
    expect(await admin.hexists(keys.retainedMessages, 'exp/retained/short')).toBe(1);
    expect(await admin.zscore(keys.retainedExpiry, 'exp/retained/short')).not.toBeNull();
    await waitFor(async () => (await admin.hexists(keys.retainedMessages, 'exp/retained/short')) === 0, { what: 'the expired retained message gone from Redis', timeoutMs: 10_000 });
    expect(await admin.zcard(keys.retainedExpiry)).toBe(0);
    expect(await admin.hkeys(keys.retainedChildren(['exp', 'retained']))).toEqual(['long']);
    const sub = await connect({});
    await sub.subscribe('exp/retained/#', { qos: 1 });
    expect((await sub.messages.next(5000)).text).toBe('stays');
    await expect(sub.messages.next(300)).rejects.toThrow();
  }, 30_000);
});
