// Wills of clients on a node killed with kill -9: published once, by one survivor, after their
// will delay; not at all for a client that came back (to another node) before its delay elapsed.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from '../cluster/cluster-harness.js';

let redis: RedisServer | undefined;
let cluster: TestCluster | undefined;
const cleanup = new Cleanup();
const A = 0;
const B = 1;
const C = 2;

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start();
  cluster = await TestCluster.start({
    subnet: '127.0.32', size: 3,
    env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: redis.url, MESHMQ_STORE_LEASE_MS: '1500' },
  });
  await cluster.waitFullMesh();
}, 90_000);
afterAll(async () => { await cleanup.run(); await cluster?.close(); await redis?.stop(); }, 30_000);

async function connect(node: number, options: TestClientOptions): Promise<TestClient> {
  const client = await TestClient.connect(cluster!.url(node), options);
  return cleanup.add(client, () => client.destroy());
}

const will = (text: string, delay: number) => ({ topic: `wills/${text}`, payload: Buffer.from(text), qos: 1 as const, retain: false, properties: { willDelayInterval: delay } });
const count = (client: TestClient, text: string): number => client.messages.history.filter((m) => m.text === text).length;

describe('wills of a killed node', () => {
  itRequiring(hasRedisServer())('are published exactly once by a survivor, and not for a client back in time', async () => {
    const c = cluster!;
    const watchers = [await connect(A, { protocolVersion: 5 }), await connect(C, { protocolVersion: 5 })];
    for (const w of watchers) await w.subscribe('wills/#', { qos: 1 });
    await c.waitRoute(B, 'wills/#', [A, C]);
    // A clean v5 session and a v3.1.1 one (their wills go when their sessions end: at once), a
    // persistent one with a will delay of 3 s, and one of 2 s whose client comes back to C at once.
    await connect(B, { protocolVersion: 5, clientId: 'w-clean', will: will('clean', 0) });
    await connect(B, { protocolVersion: 4, clientId: 'w-v311', will: { topic: 'wills/v311', payload: Buffer.from('v311'), qos: 1, retain: false } });
    await connect(B, { protocolVersion: 5, clientId: 'w-delayed', clean: false, properties: { sessionExpiryInterval: 300 }, will: will('delayed', 3) });
    await connect(B, { protocolVersion: 5, clientId: 'w-back', clean: false, properties: { sessionExpiryInterval: 300 }, will: will('back', 2) });
    await c.killNode(B);
    const back = await waitFor(() => TestClient.connect(c.url(C), { protocolVersion: 5, clientId: 'w-back', clean: false, properties: { sessionExpiryInterval: 300 } }).catch(() => undefined), { what: 'w-back accepted on C', timeoutMs: 15_000 });
    cleanup.add(back, () => back.destroy());
    expect(back.connack.sessionPresent).toBe(true);

    for (const w of watchers) {
      await waitFor(() => count(w, 'clean') > 0 && count(w, 'v311') > 0 && count(w, 'delayed') > 0, { what: 'the wills of the killed node', timeoutMs: 20_000 });
    }
    // The adopter is done once the dead node is out of the registry: no other survivor publishes later.
    await waitFor(async () => (await redis!.admin().hget('meshmq:{n}:nodes', c.nodeName(B))) === null, { what: 'the dead node unregistered', timeoutMs: 10_000 });
    const marker = await connect(A, { protocolVersion: 5 });
    await marker.publish('wills/marker', 'marker', { qos: 1 });
    for (const w of watchers) {
      await waitFor(() => count(w, 'marker') === 1, { what: 'the marker' });
      expect(['clean', 'v311', 'delayed', 'back'].map((t) => count(w, t))).toEqual([1, 1, 1, 0]);
    }
  }, 90_000);
});
