// The promise of a durable store in a cluster: persistent QoS 1 and QoS 2 subscribers on node B,
// publishers on node A, B killed with kill -9 under load, the subscribers reconnect to node C:
// every acknowledged message arrives there (published before the kill, during B's death, after the
// reconnect), and no QoS 2 message twice. On the memory store B takes the sessions with it, and the
// messages it acknowledged for them: the same steps find no session on C.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { LoadPublisher } from '../support/load-publisher.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from '../cluster/cluster-harness.js';

let redis: RedisServer | undefined;
let cluster: TestCluster | undefined;
const A = 0;
const B = 1;
const C = 2;

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start();
  cluster = await TestCluster.start({
    subnet: '127.0.31', size: 3,
    env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: redis.url, MESHMQ_STORE_LEASE_MS: '1500' },
  });
  await cluster.waitFullMesh();
}, 90_000);
afterAll(async () => { await cluster?.close(); await redis?.stop(); }, 30_000);

describe('a 3-node cluster on Redis', () => {
  itRequiring(hasRedisServer())('loses no acknowledged message when the subscribers\' node is killed, and duplicates no QoS 2 one', async () => {
    const c = cluster!;
    const q1 = new CountingSubscriber('kill-sub-q1');
    const q2 = new CountingSubscriber('kill-sub-q2');
    await q1.connect(c.host(B), c.ports.mqtt, { filter: 'kill/q1/#', qos: 1 });
    await q2.connect(c.host(B), c.ports.mqtt, { filter: 'kill/q2/#', qos: 2 });
    await c.waitRoute(A, 'kill/q1/#', [B]);
    await c.waitRoute(A, 'kill/q2/#', [B]);
    const p1 = await LoadPublisher.connect(c.url(A), 'kill/q1/x', 1, 'q1');
    const p2 = await LoadPublisher.connect(c.url(A), 'kill/q2/x', 2, 'q2');
    try {
      const loads = [p1.start(3000, 8), p2.start(3000, 8)];
      await waitFor(() => p1.acked.size >= 300 && p2.acked.size >= 300, { what: '300 acknowledged each before the kill', timeoutMs: 20_000 });
      await c.killNode(B);
      q1.close();
      q2.close();
      const ackedAtKill = p1.acked.size + p2.acked.size;
      // Reconnect to C as soon as it takes them: the sessions come back from Redis (B is gone).
      for (const sub of [q1, q2]) {
        const accepted = await waitFor(() => sub.connect(c.host(C), c.ports.mqtt).then((present) => ({ present }), () => undefined), { what: `${sub.clientId} accepted on C`, timeoutMs: 15_000 });
        expect(accepted.present).toBe(true);
      }
      // Publishing goes on until well after the reconnect (and after B's routes are gone).
      await waitFor(() => p1.acked.size + p2.acked.size >= ackedAtKill + 400, { what: '400 more acknowledged after the kill', timeoutMs: 30_000 });
      await Promise.all([p1.stop(), p2.stop()]);
      await Promise.all(loads);
      for (const [pub, sub] of [[p1, q1], [p2, q2]] as const) {
        await waitFor(() => [...pub.acked].every((m) => sub.counts.has(m)), {
          what: `every acknowledged message at ${sub.clientId} (${pub.acked.size} acked, ${sub.counts.size} received)`, timeoutMs: 20_000,
        });
      }
      expect(q2.duplicates()).toEqual([]);
      // The figures of the run, for the failure message of a future regression.
      expect({ q1: p1.acked.size > 0, q2: p2.acked.size > 0 }).toEqual({ q1: true, q2: true });
    } finally {
      q1.close();
      q2.close();
      await Promise.allSettled([p1.close(), p2.close()]);
    }
  }, 120_000);
});

describe('the same cluster on the memory store', () => {
  it('loses an offline session and the acknowledged messages queued for it when its node is killed', async () => {
    const c = await TestCluster.start({ subnet: '127.0.35', size: 3 });
    const sub = new CountingSubscriber('kill-mem-q1');
    let pub: LoadPublisher | undefined;
    try {
      await c.waitFullMesh();
      await sub.connect(c.host(B), c.ports.mqtt, { filter: 'killmem/#', qos: 1 });
      sub.close(); // offline: B queues for it
      await c.waitRoute(A, 'killmem/#', [B]);
      pub = await LoadPublisher.connect(c.url(A), 'killmem/x', 1, 'm');
      await pub.start(200, 8);
      expect(pub.acked.size).toBe(200); // each one acknowledged: B queued it
      await c.killNode(B);
      const accepted = await waitFor(() => sub.connect(c.host(C), c.ports.mqtt).then((present) => ({ present }), () => undefined), { what: `${sub.clientId} accepted on C`, timeoutMs: 15_000 });
      expect(accepted.present).toBe(false); // gone with B, and its 200 messages with it
      expect(sub.received).toBe(0);
    } finally {
      sub.close();
      await pub?.close();
      await c.close();
    }
  }, 90_000);
});
