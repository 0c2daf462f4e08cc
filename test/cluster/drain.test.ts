// Draining a node of a 3-process cluster while a publisher on another node publishes QoS 1 and
// QoS 2 without pause: persistent subscribers (v5 and 3.1.1, connected and offline) on the drained
// node are moved, reconnect elsewhere with their session, and receive every acknowledged message
// (QoS 2 exactly once). The drained node refuses clients, says `drained`, and has left every view.
// Then SIGTERM: on a drained node it exits at once; on a serving node it drains first, then exits 0.
// And a node with no surviving peer: nothing can be handed over, it says so.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readinessSchema } from '../../broker/contract/admin-api.js';
import { createAdminClient } from '../../broker/contract/admin-client.js';
import { ADMIN_ENDPOINTS } from '../../broker/contract/admin-endpoints.js';
import { drainStatusSchema, type DrainStatus } from '../../broker/contract/drain-api.js';
import { startMeshmq } from '../support/broker-process.js';
import { httpRequest, metricValue } from '../support/http-client.js';
import { TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';
import { countByPayload, startPublishing, type PublishLoad } from './publish-load.js';

const A = 0;
const B = 1;
const C = 2;
const DRAIN_TIMEOUT_MS = 10_000;
const USE_ANOTHER_SERVER = 0x9c;
const SERVER_SHUTTING_DOWN = 0x8b;
const SERVER_UNAVAILABLE = 3; // 3.1.1 CONNACK return code

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({
    subnet: '127.0.21', size: 3,
    // Room for every message an offline session is sent during the test.
    env: { MESHMQ_DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS), MESHMQ_MAX_QUEUED_MESSAGES: '20000' },
  });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => { await cluster?.close(); }, 30_000);

interface Subscriber {
  readonly name: string;
  readonly options: TestClientOptions;
  readonly filter: string;
  readonly qos: 1 | 2;
  /** Every connection this client id had, in order. */
  readonly connections: TestClient[];
}

/** Persistent sessions on node `at`: connected v5 and 3.1.1 at QoS 1 and 2, and one offline v5 one. */
async function persistentSubscribers(at: number, tag: string): Promise<{ live: Subscriber[]; offline: Subscriber }> {
  const make = (name: string, version: 4 | 5, filter: string, qos: 1 | 2): Subscriber => ({
    name, filter, qos, connections: [],
    options: { clientId: `${tag}-${name}`, clean: false, protocolVersion: version, ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}) },
  });
  const live = [make('v5-q1', 5, `${tag}/q1`, 1), make('v4-q1', 4, `${tag}/q1`, 1), make('v5-q2', 5, `${tag}/q2`, 2), make('v4-q2', 4, `${tag}/q2`, 2)];
  const offline = make('v5-offline', 5, `${tag}/q1`, 1);
  for (const s of [...live, offline]) {
    const c = await TestClient.connect(cluster.url(at), s.options);
    await c.subscribe(s.filter, { qos: s.qos });
    s.connections.push(c);
  }
  await offline.connections[0]!.disconnect();
  for (const filter of [`${tag}/q1`, `${tag}/q2`]) for (const other of [A, B, C].filter((n) => n !== at && cluster.nodes.has(n))) await cluster.waitRoute(other, filter, [at]);
  return { live, offline };
}

function received(s: Subscriber): ReturnType<typeof countByPayload> {
  return countByPayload(s.connections.flatMap((c) => c.messages.history), s.filter);
}

/** Every message the broker acknowledged reached the subscriber; at QoS 2 exactly once. */
async function expectEverything(s: Subscriber, load: PublishLoad): Promise<void> {
  await waitFor(() => [...load.acked].every((p) => received(s).has(p)), { what: `${s.name}: all ${load.acked.size} acknowledged messages`, timeoutMs: 20_000, intervalMs: 100 }).catch((err: unknown) => {
    const missing = [...load.acked].filter((p) => !received(s).has(p));
    throw new Error(`${s.name} is missing ${missing.length} of ${load.acked.size} acknowledged messages: ${missing.slice(0, 10).join(', ')}`, { cause: err });
  });
  if (s.qos === 2) for (const [payload, n] of received(s)) expect({ payload, n }).toEqual({ payload, n: 1 });
}

async function drainStatus(node: number): Promise<DrainStatus> {
  const res = await httpRequest(`${cluster.node(node).httpUrl}/api/v1/drain`);
  return drainStatusSchema.parse(JSON.parse(res.body));
}

/** Reconnects each subscriber (alternating between `targets`) once its connection closed; its session must be there. */
async function reconnectElsewhere(subs: readonly Subscriber[], targets: readonly number[]): Promise<void> {
  await Promise.all(subs.map(async (s, i) => {
    await s.connections[s.connections.length - 1]!.closed;
    const c = await TestClient.connect(cluster.url(targets[i % targets.length]!), s.options);
    s.connections.push(c);
    expect({ name: s.name, sessionPresent: c.connack.sessionPresent }).toEqual({ name: s.name, sessionPresent: true });
  }));
}

describe('drain', () => {
  it('moves every persistent session of the drained node without losing an acknowledged message', async () => {
    const { live, offline } = await persistentSubscribers(C, 'd1');
    const publisher = await TestClient.connect(cluster.url(A), { protocolVersion: 5 });
    const q1 = startPublishing(publisher, 'd1/q1', { prefix: 'd1/q1', count: 2000, qos: 1 });
    const q2 = startPublishing(publisher, 'd1/q2', { prefix: 'd1/q2', count: 400, qos: 2 });
    try {
      await waitFor(() => q1.progress() >= 200 && q2.progress() >= 40, { what: 'publishing under way' });
      const admin = createAdminClient({ baseUrl: cluster.node(C).httpUrl });
      const started = await admin.startDrain();
      expect(started.state).not.toBe('serving');
      expect(started.trigger).toBe('api');
      // New clients are refused the protocol's way from now on.
      expect(await TestClient.connectRefused(cluster.url(C), { protocolVersion: 5 })).toBe(USE_ANOTHER_SERVER);
      expect(await TestClient.connectRefused(cluster.url(C), { protocolVersion: 4 })).toBe(SERVER_UNAVAILABLE);

      // Each live client is let go once its session moved: v5 told 0x9C, 3.1.1 closed.
      await reconnectElsewhere(live, [A, B]);
      for (const s of live.filter((x) => x.options.protocolVersion === 5)) {
        expect(s.connections[0]!.disconnects.history.map((d) => d.reasonCode)).toEqual([USE_ANOTHER_SERVER]);
      }
      const drained = await waitFor(async () => { const s = await drainStatus(C); return s.state === 'drained' ? s : undefined; }, { what: 'C drained', timeoutMs: DRAIN_TIMEOUT_MS + 5000 });
      expect(drained.sessions).toEqual({ toHandOver: 5, handedOver: 5, failed: 0, clientsConnected: 0 });
      expect(drained.finishedAt! - drained.startedAt!).toBeLessThan(DRAIN_TIMEOUT_MS);

      await Promise.all([q1.done, q2.done]);
      expect(q1.acked.size + q1.refused.length).toBe(2000);
      expect(q2.acked.size + q2.refused.length).toBe(400);
      // The offline session went along too: its queue is waiting on B.
      const back = await TestClient.connect(cluster.url(B), offline.options);
      offline.connections.push(back);
      expect(back.connack.sessionPresent).toBe(true);
      for (const s of [...live, offline]) await expectEverything(s, s.qos === 1 ? q1 : q2);

      // The drained node stays up, not ready, refusing clients; the others no longer list it.
      const ready = await httpRequest(`${cluster.node(C).httpUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(readinessSchema.parse(JSON.parse(ready.body))).toMatchObject({ status: 'not-ready', reason: 'drained' });
      expect((await httpRequest(`${cluster.node(C).httpUrl}/healthz`)).status).toBe(200);
      expect(await TestClient.connectRefused(cluster.url(C), { protocolVersion: 5 })).toBe(USE_ANOTHER_SERVER);
      for (const i of [A, B]) {
        const view = await cluster.view(i);
        expect(view.nodes.filter((n) => n.state === 'up').map((n) => n.node)).not.toContain(cluster.nodeName(C));
      }
      // A and B hold the five sessions between them (the view's sessions field, as the operator reads it).
      const held = await Promise.all([A, B].map(async (i) => (await cluster.view(i)).nodes.find((n) => n.self)?.sessions ?? 0));
      expect(held.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
      expect(await metricValue(cluster.node(C).httpUrl, 'meshmq_drain_sessions_handed_over_total')).toBe(5);
      expect(await metricValue(cluster.node(C).httpUrl, 'meshmq_drain_sessions_failed_total')).toBe(0);
    } finally {
      await publisher.destroy();
      for (const s of [...live, offline]) for (const c of s.connections) await c.destroy();
    }
  }, 90_000);

  it('exits at once on SIGTERM once drained; a serving node drains on SIGTERM, then exits 0 within the bound', async () => {
    // C is drained (previous test): SIGTERM ends it at once.
    const t0 = Date.now();
    expect(await cluster.stopNode(C)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);

    await cluster.startNode(C);
    await cluster.waitFullMesh();
    const { live, offline } = await persistentSubscribers(C, 'd2');
    const publisher = await TestClient.connect(cluster.url(B), { protocolVersion: 4 });
    const q1 = startPublishing(publisher, 'd2/q1', { prefix: 'd2/q1', count: 1500, qos: 1 });
    const q2 = startPublishing(publisher, 'd2/q2', { prefix: 'd2/q2', count: 300, qos: 2 });
    try {
      await waitFor(() => q1.progress() >= 200, { what: 'publishing under way' });
      const t1 = Date.now();
      const stopped = cluster.stopNode(C); // out of DNS, then SIGTERM, as a scaled-down pod
      await reconnectElsewhere(live, [B, A]);
      expect(await stopped).toBe(0);
      expect(Date.now() - t1).toBeLessThan(DRAIN_TIMEOUT_MS + 8000);
      for (const s of live.filter((x) => x.options.protocolVersion === 5)) {
        expect(s.connections[0]!.disconnects.history.map((d) => d.reasonCode)).toEqual([SERVER_SHUTTING_DOWN]);
      }
      await Promise.all([q1.done, q2.done]);
      const back = await TestClient.connect(cluster.url(A), offline.options);
      offline.connections.push(back);
      expect(back.connack.sessionPresent).toBe(true);
      for (const s of [...live, offline]) await expectEverything(s, s.qos === 1 ? q1 : q2);
      await waitFor(async () => (await cluster.stateOf(A, C)) === undefined && (await cluster.stateOf(B, C)) === undefined, { what: 'C gone from the views' });
    } finally {
      await publisher.destroy();
      for (const s of [...live, offline]) for (const c of s.connections) await c.destroy();
    }
  }, 90_000);

  it('with no surviving peer hands nothing over, says why, and stays drained until SIGTERM', async () => {
    const alone = await startMeshmq({ name: 'alone', env: { MESHMQ_SYS_INTERVAL_MS: '0', MESHMQ_WS_ENABLED: 'false' } });
    try {
      const offline = await TestClient.connect(alone.mqttUrl, { clientId: 'alone-offline', clean: false, protocolVersion: 4 });
      await offline.subscribe('alone/#', { qos: 1 });
      await offline.disconnect();
      const live = await TestClient.connect(alone.mqttUrl, { clientId: 'alone-live', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
      const admin = createAdminClient({ baseUrl: alone.httpUrl });
      // Not clustered: a one-node view and its own routes, where a clustered node has its cluster's.
      const view = await admin.clusterView();
      expect(view).toMatchObject({ node: 'alone', clustered: false, nodes: [{ node: 'alone', self: true, state: 'up', joined: true, draining: false, sessions: 2 }] });
      expect((await admin.listRoutes()).routes).toEqual([{ filter: 'alone/#', nodes: ['alone'] }]);

      await admin.startDrain({ exclude: ['nobody'] });
      const drained = await waitFor(async () => { const s = await admin.drainStatus(); return s.state === 'drained' ? s : undefined; }, { what: 'drained' });
      expect(drained).toMatchObject({ exclude: ['nobody'], sessions: { toHandOver: 2, handedOver: 0, failed: 2, clientsConnected: 0 } });
      expect(drained.message).toMatch(/no surviving peer/);
      expect((await live.disconnects.next(5000)).reasonCode).toBe(USE_ANOTHER_SERVER);
      expect(alone.logs().match(/no surviving peer to hand sessions to/g)).toHaveLength(1);
      expect((await admin.readiness()).reason).toBe('drained');
      expect((await admin.clusterView()).nodes[0]).toMatchObject({ draining: true });
      // A second POST changes nothing: 200 with the finished drain.
      const again = await admin.call(ADMIN_ENDPOINTS.startDrain);
      expect(again.status).toBe(200);
      expect(again.body.state).toBe('drained');
      expect(await alone.stop()).toBe(0);
    } finally {
      await alone.kill();
    }
  }, 30_000);
});
