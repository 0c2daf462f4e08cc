// A broker on a three-master Redis Cluster (redis-cli --cluster create): sessions spread over the
// masters by their hash tags, each session's keys on one; queued messages and retained messages
// survive a kill -9 of the broker.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { TestClient } from '../support/mqtt-clients.js';
import { RedisBroker } from '../support/redis-broker.js';
import { hasRedisCli, RedisCluster } from '../support/redis-cluster.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

let redis: RedisCluster | undefined;
let broker: RedisBroker | undefined;
const cleanup = new Cleanup();
const SESSIONS = 12;

beforeAll(async () => {
  if (!hasRedisServer().ok || !hasRedisCli().ok) return;
  redis = await RedisCluster.start(3);
  broker = await RedisBroker.start({ name: 'rc-node', store: { MESHMQ_REDIS_CLUSTER_NODES: redis.nodes.join(',') } });
}, 90_000);
afterAll(async () => { await cleanup.run(); await broker?.stop(); await redis?.stop(); }, 30_000);

async function connect(options: Parameters<typeof TestClient.connect>[1]): Promise<TestClient> {
  const client = await TestClient.connect(broker!.mqttUrl, { protocolVersion: 5, ...options });
  return cleanup.add(client, () => client.destroy());
}

const session = (i: number) => ({ clientId: `rc-${i}`, clean: false, properties: { sessionExpiryInterval: 3600 } });

describe('a broker on Redis Cluster', () => {
  itRequiring(hasRedisServer(), hasRedisCli())('keeps sessions on every master and brings them back after a kill -9', async () => {
    for (let i = 0; i < SESSIONS; i++) {
      const c = await connect(session(i));
      await c.subscribe(`rc/${i}/#`, { qos: 2 });
      await c.disconnect();
    }
    const pub = await connect({});
    for (let i = 0; i < SESSIONS; i++) {
      expect(await pub.publish(`rc/${i}/a`, `${i}-1`, { qos: 1 })).toBe(0);
      expect(await pub.publish(`rc/${i}/b`, `${i}-2`, { qos: 2 })).toBe(0);
    }
    expect(await pub.publish('rc/retained', 'kept', { qos: 1, retain: true })).toBe(0);
    // Each session's keys on one master, the sessions over all three.
    const byMaster = await Promise.all(redis!.servers.map(async (s) => new Set((await s.admin().keys('meshmq:s:*')).map((k) => /\{(.*)\}/.exec(k)?.[1]))));
    expect(byMaster.every((ids) => ids.size > 0)).toBe(true);
    expect(byMaster.reduce((n, ids) => n + ids.size, 0)).toBe(SESSIONS); // the publisher's clean session is not stored
    await cleanup.run();

    await broker!.kill();
    await broker!.restart();
    for (let i = 0; i < SESSIONS; i++) {
      const c = await connect(session(i));
      expect(c.connack.sessionPresent).toBe(true);
      await waitFor(() => c.messages.history.length >= 2, { what: `the queue of rc-${i}` });
      expect(c.messages.history.map((m) => m.text)).toEqual([`${i}-1`, `${i}-2`]);
    }
    const watcher = await connect({});
    await watcher.subscribe('rc/retained', { qos: 1 });
    expect((await watcher.messages.next(5000)).text).toBe('kept');
  }, 90_000);
});
