// Every node of a cluster killed at once, and Redis with them (kill -9, AOF fsync always): when all
// come back, retained messages and persistent sessions (subscriptions, queued messages) are there,
// whichever node a client reconnects to.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { TestClient } from '../support/mqtt-clients.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from '../cluster/cluster-harness.js';

let redis: RedisServer | undefined;
let cluster: TestCluster | undefined;
const cleanup = new Cleanup();

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start({ appendfsync: 'always' });
  cluster = await TestCluster.start({ subnet: '127.0.33', size: 3, env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: redis.url, MESHMQ_STORE_LEASE_MS: '1500' } });
  await cluster.waitFullMesh();
}, 90_000);
afterAll(async () => { await cleanup.run(); await cluster?.close(); await redis?.stop(); }, 30_000);

async function connect(node: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
  const client = await TestClient.connect(cluster!.url(node), options);
  return cleanup.add(client, () => client.destroy());
}

describe('a full restart of the cluster and of Redis', () => {
  itRequiring(hasRedisServer())('brings back retained messages and persistent sessions', async () => {
    const c = cluster!;
    const session = { clientId: 'full-restart-sub', protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };
    const sub = await connect(1, session);
    await sub.subscribe('fr/queue/#', { qos: 1 });
    await sub.disconnect();
    await c.waitRoute(0, 'fr/queue/#', [1]);
    const pub = await connect(0, { protocolVersion: 5 });
    for (const [topic, text] of [['fr/ret/a', 'ra'], ['fr/ret/b', 'rb'], ['fr/ret/b', 'rb2'], ['fr/ret/c', 'rc'], ['fr/ret/c', '']] as const) {
      expect(await pub.publish(topic, text, { qos: 1, retain: true, properties: { contentType: 'text/plain' } })).toBe(0);
    }
    for (let i = 0; i < 5; i++) expect(await pub.publish(`fr/queue/${i}`, `q${i}`, { qos: 1 })).toBe(0);
    await cleanup.run();

    await Promise.all([0, 1, 2].map((i) => c.killNode(i)));
    await redis!.kill();
    await redis!.restart();
    await Promise.all([0, 1, 2].map((i) => c.startNode(i, { addToDns: false })));
    await c.waitFullMesh();

    const watcher = await connect(2, { protocolVersion: 5 });
    await watcher.subscribe('fr/ret/#', { qos: 1 });
    const retained = await watcher.messages.take(2, 10_000);
    expect(retained.map((m) => [m.topic, m.text, m.packet.retain, m.packet.properties?.contentType]).sort()).toEqual([
      ['fr/ret/a', 'ra', true, 'text/plain'], ['fr/ret/b', 'rb2', true, 'text/plain'],
    ]);
    const back = await connect(0, session);
    expect(back.connack.sessionPresent).toBe(true);
    await waitFor(() => back.messages.history.length >= 5, { what: 'the queued messages', timeoutMs: 10_000 });
    expect(back.messages.history.map((m) => m.text)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    // Its subscription came back too: a message published now reaches it.
    const pub2 = await connect(1, { protocolVersion: 5 });
    await c.waitRoute(1, 'fr/queue/#', [0]);
    expect(await pub2.publish('fr/queue/late', 'late', { qos: 1 })).toBe(0);
    await waitFor(() => back.messages.history.some((m) => m.text === 'late'), { what: 'a message published after the restart' });
    expect(watcher.messages.history).toHaveLength(2);
  }, 120_000);
});
