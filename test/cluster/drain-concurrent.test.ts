// Two nodes of a 4-process cluster draining at once, as a scale-down from 4 to 2 does: each
// excludes the other (the operator's exclude list), and a node that drains is never picked by
// another, which learns it from its heartbeats. Every session ends on a surviving node.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdminClient, type AdminClient } from '../../broker/contract/admin-client.js';
import type { DrainStatus } from '../../broker/contract/drain-api.js';
import { metricValue } from '../support/http-client.js';
import { TestClient } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

const [A, B, C, D] = [0, 1, 2, 3] as const;
const SESSIONS = 12;

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ subnet: '127.0.22', size: 4, env: { MESHMQ_DRAIN_TIMEOUT_MS: '15000' } });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => { await cluster?.close(); }, 30_000);

const admin = (node: number): AdminClient => createAdminClient({ baseUrl: cluster.node(node).httpUrl });

/** `count` offline persistent sessions on `node`, each with a subscription. */
async function offlineSessions(node: number, tag: string, count = SESSIONS): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  await Promise.all(ids.map(async (clientId) => {
    const c = await TestClient.connect(cluster.url(node), { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 } });
    await c.subscribe(`conc/${clientId}`, { qos: 1 });
    await c.disconnect();
  }));
  return ids;
}

async function drained(node: number): Promise<DrainStatus> {
  return await waitFor(async () => { const s = await admin(node).drainStatus(); return s.state === 'drained' ? s : undefined; }, { what: `${cluster.nodeName(node)} drained`, timeoutMs: 20_000 });
}

/** Sessions the surviving nodes say they hold (their own view entries). */
async function heldBy(nodes: readonly number[]): Promise<number> {
  let n = 0;
  for (const i of nodes) n += (await admin(i).clusterView()).nodes.find((e) => e.self)?.sessions ?? 0;
  return n;
}

async function expectResumable(ids: readonly string[], at: number): Promise<void> {
  for (const clientId of ids) {
    const c = await TestClient.connect(cluster.url(at), { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 } });
    expect({ clientId, sessionPresent: c.connack.sessionPresent }).toEqual({ clientId, sessionPresent: true });
    await c.disconnect();
  }
}

describe('concurrent drains', () => {
  it('two nodes drained at once, each excluding the other, hand everything to the two that stay', async () => {
    const onC = await offlineSessions(C, 'c1');
    const onD = await offlineSessions(D, 'd1');
    await Promise.all([admin(C).startDrain({ exclude: [cluster.nodeName(D)] }), admin(D).startDrain({ exclude: [cluster.nodeName(C)] })]);
    const [c, d] = await Promise.all([drained(C), drained(D)]);
    expect(c).toMatchObject({ exclude: [cluster.nodeName(D)], sessions: { toHandOver: SESSIONS, handedOver: SESSIONS, failed: 0 } });
    expect(d).toMatchObject({ exclude: [cluster.nodeName(C)], sessions: { toHandOver: SESSIONS, handedOver: SESSIONS, failed: 0 } });
    // Neither took a session of the other's.
    for (const n of [C, D]) expect(await metricValue(cluster.node(n).httpUrl, 'meshmq_session_takeovers_total', { scope: 'cluster_import' })).toBe(0);
    expect(await heldBy([A, B])).toBe(2 * SESSIONS);
    await expectResumable([...onC.slice(0, 3), ...onD.slice(0, 3)], A);
    // Stopped as drained pods are: at once.
    expect(await cluster.stopNode(C)).toBe(0);
    expect(await cluster.stopNode(D)).toBe(0);
  }, 90_000);

  it('never hands a session to a node that announced it drains', async () => {
    await Promise.all([cluster.startNode(C), cluster.startNode(D)]);
    await cluster.waitFullMesh();
    const before = await heldBy([A, B]); // the first test's sessions
    const onC = await offlineSessions(C, 'c2');
    const onD = await offlineSessions(D, 'd2');
    // B freezes: what D asks of B waits (up to 5 s) before D asks A, so D drains for a while. (D
    // excludes C only to keep the counts simple; C excludes nobody.)
    const b = cluster.node(B);
    process.kill(b.pid!, 'SIGSTOP');
    try {
      await admin(D).startDrain({ exclude: [cluster.nodeName(C)] });
      // D's heartbeats told C at once.
      await waitFor(async () => (await admin(C).clusterView()).nodes.find((n) => n.node === cluster.nodeName(D))?.draining === true, { what: 'C sees D draining' });
      expect((await admin(D).drainStatus()).state).toBe('draining');
      await admin(C).startDrain();
    } finally {
      process.kill(b.pid!, 'SIGCONT');
    }
    const [c, d] = await Promise.all([drained(C), drained(D)]);
    expect(c.sessions).toMatchObject({ toHandOver: SESSIONS, handedOver: SESSIONS, failed: 0 });
    expect(d.sessions).toMatchObject({ toHandOver: SESSIONS, handedOver: SESSIONS, failed: 0 });
    // C never asked D: D refused nothing and took nothing.
    expect(cluster.node(D).logs()).not.toContain('refused sessions a peer asked this draining node to take');
    expect(await metricValue(cluster.node(D).httpUrl, 'meshmq_session_takeovers_total', { scope: 'cluster_import' })).toBe(0);
    await waitFor(async () => (await heldBy([A, B])) === before + 2 * SESSIONS, { what: 'every session on A or B' });
    await expectResumable([...onC.slice(0, 3), ...onD.slice(0, 3)], B);
  }, 90_000);
});
