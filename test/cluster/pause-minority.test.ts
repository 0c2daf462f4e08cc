// partitionMode pauseMinority with real broker processes and real MQTT clients: a node that loses
// its majority disconnects its clients (v5 DISCONNECT 0x9C, 3.1.1 a close), refuses new ones
// (CONNACK 0x9C, return code 3), turns not ready, keeps its sessions, and resumes by itself when
// the majority is back.
import { afterAll, describe, expect, it } from '@jest/globals';
import { readinessSchema } from '../../broker/contract/admin-api.js';
import { httpRequest, metricValue } from '../support/http-client.js';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

const USE_ANOTHER_SERVER = 0x9c;
const SERVER_UNAVAILABLE = 3;
const A = 0;
const B = 1;
const C = 2;
let cluster: TestCluster | undefined;
const clients: TestClient[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.destroy()));
  await cluster?.close();
}, 30_000);

describe('partitionMode pauseMinority', () => {
  it('pauses a node without a majority (clients disconnected and refused, sessions kept) and resumes it when the majority is back', async () => {
    const c = cluster = await TestCluster.start({ subnet: '127.0.44', size: 3, env: {
      MESHMQ_CLUSTER_PARTITION_MODE: 'pauseMinority',
      // Kill -9 is seen at once (closed sockets); patient suspicion keeps a loaded machine from pausing early.
      MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '2000', MESHMQ_CLUSTER_DOWN_AFTER_MS: '4000',
    } });
    await c.waitFullMesh();
    const persistent = { clientId: randomClientId('pm'), protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };
    const v5 = await TestClient.connect(c.url(A), persistent);
    const v4 = await TestClient.connect(c.url(A), { protocolVersion: 4 });
    clients.push(v5, v4);
    await v5.subscribe('pm/#', { qos: 1 });
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_paused')).toBe(0);

    const cut = Date.now();
    await c.killNode(B);
    await c.killNode(C);
    // Told to go elsewhere (v5), closed (3.1.1).
    expect((await v5.disconnects.next(10_000)).reasonCode).toBe(USE_ANOTHER_SERVER);
    await Promise.all([v5.closed, v4.closed]);
    const pausedAfter = Date.now() - cut;
    expect(await TestClient.connectRefused(c.url(A), { protocolVersion: 5 })).toBe(USE_ANOTHER_SERVER);
    expect(await TestClient.connectRefused(c.url(A), { protocolVersion: 4 })).toBe(SERVER_UNAVAILABLE);
    const ready = await httpRequest(`${c.node(A).httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(readinessSchema.parse(JSON.parse(ready.body))).toMatchObject({ reason: 'no_majority', message: expect.stringMatching(/^reaches 1 of 3 .*; paused/) as unknown });
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_paused')).toBe(1);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_pauses_total')).toBe(1);
    // Two disconnected, two refused: all under the pause's own reason.
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_connections_closed_total', { reason: 'paused' })).toBe(4);
    await c.node(A).waitForLog(/"msg":"paused \(partitionMode pauseMinority\)[^"]*","node":"mq-0","component":"partition","reached":1,"members":3,"basis":"none","disconnected":2/);

    const back = Date.now();
    await c.startNode(B, { addToDns: false, waitReady: false });
    const resumed = await waitFor(async () => {
      try { return await TestClient.connect(c.url(A), persistent); } catch { return undefined; }
    }, { what: 'A takes clients again', timeoutMs: 15_000, intervalMs: 100 });
    clients.push(resumed);
    const resumedAfter = Date.now() - back;
    // The session waited on the paused node: the subscription is still there.
    expect(resumed.connack.sessionPresent).toBe(true);
    const publisher = await TestClient.connect(c.url(A), { protocolVersion: 5 });
    clients.push(publisher);
    await publisher.publish('pm/after', 'resumed', { qos: 1 });
    expect((await resumed.messages.next(5000)).text).toBe('resumed');
    expect((await httpRequest(`${c.node(A).httpUrl}/readyz`)).status).toBe(200);
    expect(await metricValue(c.node(A).httpUrl, 'meshmq_cluster_paused')).toBe(0);
    await c.node(A).waitForLog(/"msg":"resumed: the majority is back, taking clients again"/);
    process.stderr.write(`pauseMinority timings: peers killed -> clients disconnected ${pausedAfter} ms; peer restarted -> taking clients ${resumedAfter} ms\n`);
  }, 60_000);
});
