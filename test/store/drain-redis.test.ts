// Draining a node of a cluster on Redis moves its persistent sessions in the store too: while a
// publisher publishes QoS 1 and 2, every session of the drained node gets a new owner and a higher
// fence in Redis, the clients reconnect elsewhere with their session and miss no acknowledged
// message; and the node that took over an offline session keeps it durably: killed with kill -9,
// it leaves the session to a survivor, queue and all.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import mqtt from 'mqtt';
import { createAdminClient } from '../../broker/contract/admin-client.js';
import { RedisKeys } from '../../broker/store/redis/redis-keys.js';
import { TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from '../cluster/cluster-harness.js';
import { countByPayload, startPublishing, type PublishLoad } from '../cluster/publish-load.js';

const keys = new RedisKeys('meshmq');
const A = 0;
const B = 1;
const C = 2;
let redis: RedisServer | undefined;
let cluster: TestCluster | undefined;

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start();
  cluster = await TestCluster.start({
    subnet: '127.0.34', size: 3,
    env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: redis.url, MESHMQ_STORE_LEASE_MS: '1500', MESHMQ_DRAIN_TIMEOUT_MS: '10000', MESHMQ_MAX_QUEUED_MESSAGES: '20000' },
  });
  await cluster.waitFullMesh();
}, 90_000);
afterAll(async () => { await cluster?.close(); await redis?.stop(); }, 30_000);

interface Subscriber {
  readonly options: TestClientOptions & { clientId: string };
  readonly filter: string;
  readonly qos: 1 | 2;
  readonly connections: TestClient[];
}

function subscriber(clientId: string, version: 4 | 5, filter: string, qos: 1 | 2): Subscriber {
  return {
    filter, qos, connections: [],
    // Its QoS 2 receiver state (PUBREC sent, PUBREL awaited) outlives a connection, as a real client's
    // session does: mqtt.js delivers a QoS 2 message on its PUBREL, which may come on the next connection.
    options: {
      clientId, clean: false, protocolVersion: version, incomingStore: new mqtt.Store({ clean: false }),
      ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
    },
  };
}

/** The session's owner (node name, without its incarnation) and fence in Redis. */
async function stored(clientId: string): Promise<{ node: string | undefined; fence: number }> {
  const [owner, fence] = await redis!.admin().hmget(keys.session(clientId).record, 'owner', 'fence');
  return { node: owner?.split('#')[0], fence: Number(fence ?? 0) };
}

async function expectEverything(s: Subscriber, load: PublishLoad): Promise<void> {
  const received = (): Map<string, number> => countByPayload(s.connections.flatMap((c) => c.messages.history), s.filter);
  await waitFor(() => [...load.acked].every((p) => received().has(p)), { what: `${s.options.clientId}: all ${load.acked.size} acknowledged messages`, timeoutMs: 20_000, intervalMs: 100 }).catch((err: unknown) => {
    const missing = [...load.acked].filter((p) => !received().has(p));
    throw new Error(`${s.options.clientId} is missing ${missing.length} of ${load.acked.size} acknowledged messages: ${missing.slice(0, 10).join(', ')}`, { cause: err });
  });
  if (s.qos === 2) for (const [payload, n] of received()) expect({ payload, n }).toEqual({ payload, n: 1 });
}

describe('draining a node of a cluster on Redis', () => {
  itRequiring(hasRedisServer())('moves each session\'s ownership in the store, and the new owner keeps it through a kill -9', async () => {
    const c = cluster!;
    const live = [subscriber('dr-v5-q1', 5, 'dr/q1', 1), subscriber('dr-v4-q2', 4, 'dr/q2', 2)];
    const offline = subscriber('dr-offline', 5, 'dr/q1', 1);
    const clients: TestClient[] = [];
    try {
      for (const s of [...live, offline]) {
        const conn = await TestClient.connect(c.url(C), s.options);
        clients.push(conn);
        s.connections.push(conn);
        await conn.subscribe(s.filter, { qos: s.qos });
      }
      await offline.connections[0]!.disconnect();
      for (const f of ['dr/q1', 'dr/q2']) await c.waitRoute(A, f, [C]);
      const before = new Map(await Promise.all([...live, offline].map(async (s) => [s.options.clientId, await stored(s.options.clientId)] as const)));
      for (const s of before.values()) expect(s.node).toBe(c.nodeName(C));

      const publisher = await TestClient.connect(c.url(A), { protocolVersion: 5 });
      clients.push(publisher);
      const q1 = startPublishing(publisher, 'dr/q1', { prefix: 'dr/q1', count: 1500, qos: 1 });
      const q2 = startPublishing(publisher, 'dr/q2', { prefix: 'dr/q2', count: 300, qos: 2 });
      await waitFor(() => q1.progress() >= 200 && q2.progress() >= 40, { what: 'publishing under way' });
      await createAdminClient({ baseUrl: c.node(C).httpUrl }).startDrain();
      // Each live client is let go once its session moved, and finds it on A or B.
      await Promise.all(live.map(async (s, i) => {
        await s.connections[0]!.closed;
        const conn = await TestClient.connect(c.url(i === 0 ? A : B), s.options);
        clients.push(conn);
        s.connections.push(conn);
        expect({ id: s.options.clientId, present: conn.connack.sessionPresent }).toEqual({ id: s.options.clientId, present: true });
      }));
      await Promise.all([q1.done, q2.done]);
      try { for (const s of live) await expectEverything(s, s.qos === 1 ? q1 : q2); } catch (e) {
        for (const i of [A, B, C]) process.stderr.write(`NODE ${i}\n` + c.node(i).logs().split('\n').filter((l) => !/store connected/.test(l)).join('\n') + '\n');
        for (const s of live) process.stderr.write(`${s.options.clientId}: ${s.connections.map((x) => x.messages.history.filter((m) => m.text.startsWith(s.filter)).map((m) => m.text.split(':')[1]).join(',')).join(' | ')}\n`);
        for (const i of [A, B, C]) process.stderr.write(`METRICS ${i}\n` + (await (await fetch(`${c.node(i).httpUrl}/metrics`)).text()).split('\n').filter((l) => /dropped|handoff|fenced|takeover|drain/.test(l) && !l.startsWith('#')).join('\n') + '\n');
        throw e;
      }

      // In the store, every session belongs to a survivor now, under a fence C never held.
      const survivors = [c.nodeName(A), c.nodeName(B)];
      await waitFor(async () => (await Promise.all([...before.keys()].map(stored))).every((s) => survivors.includes(s.node ?? '')), { what: 'every session owned by A or B in Redis' });
      for (const [id, was] of before) expect((await stored(id)).fence).toBeGreaterThan(was.fence);

      // The offline session's new owner is killed: its queue (what it was sent during and after
      // the drain) comes back from Redis on the other survivor.
      const holder = (await stored(offline.options.clientId)).node === c.nodeName(A) ? A : B;
      const other = holder === A ? B : A;
      const late = await TestClient.connect(c.url(other), { protocolVersion: 4 });
      clients.push(late);
      const q3 = startPublishing(late, 'dr/q1', { prefix: 'dr/q1-late', count: 200, qos: 1 });
      await q3.done;
      expect(q3.acked.size).toBe(200);
      await c.killNode(holder);
      const back = await waitFor(() => TestClient.connect(c.url(other), offline.options).catch(() => undefined), { what: 'the offline session accepted on the survivor', timeoutMs: 15_000 });
      clients.push(back);
      offline.connections.push(back);
      expect(back.connack.sessionPresent).toBe(true);
      await expectEverything(offline, q1);
      await expectEverything({ ...offline, filter: 'dr/q1-late' }, q3);
      expect((await stored(offline.options.clientId)).node).toBe(c.nodeName(other));
    } finally {
      for (const conn of clients) await conn.destroy();
    }
  }, 120_000);
});
