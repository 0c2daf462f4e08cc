// The store contract against real Redis: one redis-server, and a three-master Redis Cluster made
// with `redis-cli --cluster create` (every script's keys share one slot, or Cluster refuses them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { configSchema } from '../../config/schema.js';
import { itRequiring } from '../../../test/support/requirements.js';
import { hasRedisCli, RedisCluster } from '../../../test/support/redis-cluster.js';
import { hasRedisServer, RedisServer } from '../../../test/support/redis-server.js';
import { runStoreContract } from '../../../test/support/store-contract.js';
import { connectRedis, createRedisConnection } from './redis-client.js';
import { hashTagOf, RedisKeys } from './redis-keys.js';
import { createRedisStore } from './redis-store.js';

const available = hasRedisServer().ok && hasRedisCli().ok;

async function storeOn(store: Record<string, unknown>) {
  const config = configSchema.parse({ store: { type: 'redis', keyPrefix: `t${randomBytes(4).toString('hex')}`, ...store } }).store;
  const connection = createRedisConnection(config);
  await connectRedis(connection, 5000);
  return createRedisStore({ connection, keyPrefix: config.keyPrefix, minReplicas: 0, replicaTimeoutMs: 1000 });
}

describe('Redis store', () => {
  let redis: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    if (!available) return;
    [redis, cluster] = await Promise.all([RedisServer.start(), RedisCluster.start(3)]);
  }, 60_000);
  afterAll(async () => { await Promise.allSettled([redis?.stop(), cluster?.stop()]); });

  itRequiring(hasRedisServer(), hasRedisCli())('runs against redis-server and Redis Cluster (the suites below)', () => {
    expect(redis).toBeDefined();
    expect(cluster?.nodes).toHaveLength(3);
  });

  if (available) {
    runStoreContract('redis (single)', () => storeOn({ redisUrl: redis!.url }));
    runStoreContract('redis (cluster of three masters)', () => storeOn({ redisClusterNodes: cluster!.nodes }));
  }

  it('keeps every key of a session in one hash tag, even for ids with braces', () => {
    const keys = new RedisKeys('p');
    for (const id of ['plain', 'a}b', '{x}', '%7B', '']) {
      const tags = Object.values(keys.session(id)).map((k) => /\{([^}]*)\}/.exec(k)?.[1]);
      expect(new Set(tags).size).toBe(1);
      expect(tags[0]).toBe(hashTagOf(id));
    }
  });
});
