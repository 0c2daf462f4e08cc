// Majority readiness with real broker processes (DNS discovery, each node on its own 127.x address):
// a node whose peers die (kill -9: they stay in DNS, as crashed pods do) turns not ready with
// no_majority and back when one returns; the operator's serving grant keeps it ready without a
// majority until it lapses; nodes that left (a drain) are no longer counted.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createAdminClient } from '../../broker/contract/admin-client.js';
import { readinessSchema, type Readiness } from '../../broker/contract/admin-api.js';
import { httpRequest, metricValue } from '../support/http-client.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

// Kill -9 closes the peers' sockets, so it is seen at once; a patient suspicion keeps a loaded
// machine (heartbeats late) from flapping the majority the tests count.
const SLOW_SUSPICION = { MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '2000', MESHMQ_CLUSTER_DOWN_AFTER_MS: '4000' };
const A = 0;
const B = 1;
const C = 2;
let cluster: TestCluster | undefined;
const timings: string[] = [];
afterEach(async () => { await cluster?.close(); cluster = undefined; }, 30_000);
afterAll(() => { if (timings.length > 0) process.stderr.write(`majority timings: ${timings.join('; ')}\n`); });

async function readiness(c: TestCluster, i: number): Promise<{ status: number; body: Readiness }> {
  const res = await httpRequest(`${c.node(i).httpUrl}/readyz`);
  return { status: res.status, body: readinessSchema.parse(JSON.parse(res.body)) };
}

async function waitReadiness(c: TestCluster, i: number, status: 200 | 503, what: string): Promise<Readiness> {
  return (await waitFor(async () => { const r = await readiness(c, i); return r.status === status ? r : undefined; }, { what, timeoutMs: 15_000, intervalMs: 50 })).body;
}

describe('majority readiness', () => {
  it('a node left with 1 of 3 turns not ready (no_majority) and is ready again when a peer returns', async () => {
    const c = cluster = await TestCluster.start({ subnet: '127.0.41', size: 3, env: SLOW_SUSPICION });
    await c.waitFullMesh();
    expect((await readiness(c, A)).status).toBe(200);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_members')).toBe(3);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_majority')).toBe(1);

    // One peer gone: 2 of 3 is still a majority.
    await c.killNode(C);
    await waitFor(async () => (await c.stateOf(A, C)) !== 'up', { what: 'A sees C gone' });
    await waitReadiness(c, A, 200, 'A ready with 2 of 3');
    await waitReadiness(c, B, 200, 'B ready with 2 of 3');

    const cut = Date.now();
    await c.killNode(B);
    const body = await waitReadiness(c, A, 503, 'A not ready');
    timings.push(`peers killed -> no_majority ${Date.now() - cut} ms`);
    expect(body).toEqual({
      status: 'not-ready', node: 'mq-0', reason: 'no_majority',
      message: 'reaches 1 of 3 cluster members, not a majority (not reached: mq-1, mq-2)',
    });
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_members_reached')).toBe(1);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_majority')).toBe(0);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_majority_lost_total')).toBeGreaterThanOrEqual(1);
    await c.node(A).waitForLog(/"msg":"no majority: reaches 1 of 3 cluster members/);

    const back = Date.now();
    await c.startNode(B, { addToDns: false, waitReady: false });
    await waitReadiness(c, A, 200, 'A ready again');
    timings.push(`peer restarted -> ready ${Date.now() - back} ms`);
    // B itself waits out the join bound for C (still listed, unreachable), then has 2 of 3.
    await waitReadiness(c, B, 200, 'B ready');
    await c.node(A).waitForLog(/"msg":"majority reached again"/);
  }, 60_000);

  it('the serving grant keeps a node ready without a majority while it reaches the nodes named, until it lapses', async () => {
    const c = cluster = await TestCluster.start({ subnet: '127.0.42', size: 3, env: SLOW_SUSPICION });
    await c.waitFullMesh();
    await c.killNode(B);
    await c.killNode(C);
    await waitReadiness(c, A, 503, 'A not ready');
    const admin = createAdminClient({ baseUrl: c.node(A).httpUrl });

    // A grant naming a node A does not reach does not hold.
    const pair = await admin.grantServing({ nodes: ['mq-0', 'mq-1'], ttlMs: 30_000 });
    expect(pair).toMatchObject({ node: 'mq-0', listed: true, unreached: ['mq-1'], serving: false, clustered: true });
    expect((await readiness(c, A)).body.message).toMatch(/; the serving grant holds only while it reaches mq-1$/);
    // One naming other nodes grants A nothing.
    expect(await admin.grantServing({ nodes: ['mq-2'], ttlMs: 30_000 })).toMatchObject({ listed: false, serving: false });

    const granted = Date.now();
    const alone = await admin.grantServing({ nodes: ['mq-0'], ttlMs: 1500 });
    expect(alone).toMatchObject({ listed: true, unreached: [], serving: true });
    expect(alone.expiresAt).toBeGreaterThanOrEqual(granted + 1500);
    expect((await readiness(c, A)).status).toBe(200);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_serving_grant')).toBe(1);
    const lapsed = await waitReadiness(c, A, 503, 'the grant lapses');
    const held = Date.now() - granted;
    timings.push(`grant of 1500 ms held ${held} ms`);
    expect(held).toBeGreaterThanOrEqual(1500);
    expect(lapsed.message).toMatch(/; the serving grant lapsed \d+ s ago$/);

    // A body that does not fit is refused, naming the field.
    const bad = await fetch(`${c.node(A).httpUrl}/api/v1/cluster/serving`, { method: 'POST', body: JSON.stringify({ nodes: ['mq-0'], ttlMs: 0 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/^ttlMs: /) as unknown } });
  }, 60_000);

  it('nodes that left (drained, still listed in DNS) are no longer members: the last one stays ready', async () => {
    const c = cluster = await TestCluster.start({ subnet: '127.0.43', size: 3, env: SLOW_SUSPICION });
    await c.waitFullMesh();
    for (const i of [B, C]) await createAdminClient({ baseUrl: c.node(i).httpUrl }).startDrain();
    for (const i of [B, C]) await waitReadiness(c, i, 503, `${c.nodeName(i)} drained`);
    await waitFor(async () => (await metricValue(c.node(A).httpUrl, 'meshmq_cluster_members')) === 1, { what: 'A counts itself alone' });
    expect(await readiness(c, A)).toEqual({ status: 200, body: { status: 'ready', node: 'mq-0' } });
  }, 60_000);
});
