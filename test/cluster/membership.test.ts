// Membership of a 5-process cluster: scaling up and down through DNS without restarts, a
// `kill -9`'d node seen down, forgotten through the API (its routes go, the others carry on), a
// node with the wrong cookie refused, and the admin API's answers for forget.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpRequest, metricValue } from '../support/http-client.js';
import { startMeshmq } from '../support/broker-process.js';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ subnet: '127.0.6', size: 5 });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => { await cluster?.close(); }, 30_000);

describe('a 5-node cluster', () => {
  it('scales up and down through DNS alone: a new node joins with the routes, a stopped one leaves at once', async () => {
    const sub = await TestClient.connect(cluster.url(4), { clientId: randomClientId() });
    try {
      await sub.subscribe('scale/#', { qos: 1 });
      await cluster.startNode(5);
      await cluster.waitFullMesh();
      // Ready means joined: the new node already holds node 4's routes.
      expect((await cluster.routes(5)).routes.find((r) => r.filter === 'scale/#')?.nodes).toEqual([cluster.nodeName(4)]);
      const pub = await TestClient.connect(cluster.url(5));
      await pub.publish('scale/up', 'hello', { qos: 1 });
      expect((await sub.messages.next(5000)).text).toBe('hello');
      await pub.destroy();

      expect(await cluster.stopNode(5)).toBe(0);
      // A graceful leave removes the node from every view at once (no suspect/down phase).
      await waitFor(async () => (await cluster.stateOf(0, 5)) === undefined && (await cluster.stateOf(4, 5)) === undefined, { what: 'node 5 gone from the views', timeoutMs: 5000 });
    } finally {
      await sub.destroy();
    }
  }, 60_000);

  it('sees a kill -9 node down; forget (409 while up, 404 unknown) drops its routes; the others are unaffected', async () => {
    const victimSub = await TestClient.connect(cluster.url(3), { clientId: randomClientId() });
    await victimSub.subscribe('victim/#', { qos: 1 });
    const survivor = await TestClient.connect(cluster.url(1), { clientId: randomClientId() });
    await survivor.subscribe('alive/#', { qos: 1 });
    try {
      await cluster.waitRoute(0, 'victim/#', [3]);
      await cluster.waitRoute(0, 'alive/#', [1]);
      const forget = (node: number, name: string) => httpRequest(`${cluster.node(node).httpUrl}/api/v1/cluster/nodes/${name}/forget`, { method: 'POST' });
      expect((await forget(0, cluster.nodeName(3))).status).toBe(409);
      expect((await forget(0, 'no-such-node')).status).toBe(404);

      await cluster.killNode(3);
      await victimSub.destroy();
      cluster.removeFromDns(3);
      await waitFor(async () => (await cluster.stateOf(0, 3)) === 'down' && (await cluster.stateOf(2, 3)) === 'down', { what: 'node 3 down', timeoutMs: 10000 });
      // Down but not forgotten: its routes stay (it may only be partitioned away).
      expect((await cluster.routes(0)).routes.some((r) => r.filter === 'victim/#')).toBe(true);
      for (const i of [0, 1, 2, 4]) expect((await forget(i, cluster.nodeName(3))).status).toBe(200);
      for (const i of [0, 1, 2, 4]) {
        expect((await cluster.routes(i)).routes.some((r) => r.filter === 'victim/#')).toBe(false);
        expect((await cluster.view(i)).nodes.map((n) => n.node)).not.toContain(cluster.nodeName(3));
      }
      const pub = await TestClient.connect(cluster.url(0));
      await pub.publish('victim/x', 'nobody', { qos: 1 });
      await pub.publish('alive/x', 'still here', { qos: 1 });
      expect((await survivor.messages.next(5000)).text).toBe('still here');
      await pub.destroy();
      expect(await metricValue(cluster.node(0).httpUrl, 'meshmq_cluster_peers', { state: 'up' })).toBe(3);
    } finally {
      await survivor.destroy();
    }
  }, 60_000);

  it('refuses a node with the wrong cookie and counts it', async () => {
    const intruder = await startMeshmq({
      name: 'intruder', host: '127.0.6.30', ports: cluster.ports, waitReady: false,
      env: {
        MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: `${cluster.host(0)}:${cluster.ports.cluster}`,
        MESHMQ_CLUSTER_COOKIE: 'not-the-cluster-cookie-at-all', MESHMQ_SYS_INTERVAL_MS: '0', MESHMQ_WS_ENABLED: 'false',
      },
    });
    try {
      await waitFor(async () => (await metricValue(cluster.node(0).httpUrl, 'meshmq_cluster_handshake_failures_total')) > 0, { what: 'a counted handshake failure', timeoutMs: 10000 });
      expect((await cluster.view(0)).nodes.map((n) => n.node)).not.toContain('intruder');
      // The intruder never joins: it is not ready while the seed stays unreachable to it... and sees nobody.
      const res = await httpRequest(`${intruder.httpUrl}/api/v1/cluster`);
      expect(JSON.parse(res.body).nodes).toHaveLength(1);
    } finally {
      await intruder.kill();
    }
  }, 30_000);
});
