// A real network partition (root: network namespaces on a bridge, packets dropped between the
// groups) splits a 3-node cluster 2|1; publishes on the majority are not held up by the minority's
// routes, the minority turns not ready; routes made on both sides meanwhile converge once it heals,
// without restarts, and publishes cross the former cut again.
import { afterAll, describe, expect } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterViewSchema, type ClusterView } from '../../broker/contract/cluster-view.js';
import { routeListSchema } from '../../broker/contract/cluster-api.js';
import { NetnsNetwork } from '../kube/network/netns-network.js';
import { repoRoot } from '../support/broker-process.js';
import { httpJson } from '../support/http-client.js';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { isRoot, itRequiring } from '../support/requirements.js';
import { SpawnedProcess } from '../support/spawned-process.js';
import { waitFor } from '../support/wait.js';
import { TEST_COOKIE } from './cluster-harness.js';

const names = ['p0', 'p1', 'p2'];
const itRoot = itRequiring(isRoot());
const opened: Array<() => Promise<unknown>> = [];
afterAll(async () => { for (const close of opened.reverse()) await close().catch(() => undefined); }, 30_000);

describe('a partition between nodes', () => {
  itRoot('splits the views, and routes made on both sides converge after it heals', async () => {
    const network = await NetnsNetwork.start();
    opened.push(() => network.close());
    const ips = await Promise.all(names.map(async (n) => (await network.attach(n)).ip));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-partition-'));
    opened.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const main = path.join(repoRoot(), 'dist', 'broker', 'main.js');
    for (const [i, name] of names.entries()) {
      const env = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, MESHMQ_NODE_NAME: name, MESHMQ_BIND: ips[i]!,
        MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: ips.map((ip) => `${ip}:4370`).join(','),
        MESHMQ_CLUSTER_COOKIE: TEST_COOKIE, MESHMQ_CLUSTER_HEARTBEAT_MS: '100', MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '600',
        MESHMQ_CLUSTER_DOWN_AFTER_MS: '1500', MESHMQ_SYS_INTERVAL_MS: '0', MESHMQ_WS_ENABLED: 'false',
      };
      const child = new SpawnedProcess({ command: 'ip', args: network.wrapCommand(name, [process.execPath, main]).slice(1), env, cwd: dir, name });
      opened.push(() => child.kill());
    }
    const http = (i: number): string => `http://${ips[i]}:8081`;
    const mqttUrl = (i: number): string => `mqtt://${ips[i]}:1883`;
    const view = async (i: number): Promise<ClusterView> => clusterViewSchema.parse((await httpJson(`${http(i)}/api/v1/cluster`)).json);
    const state = async (i: number, j: number): Promise<string | undefined> => (await view(i)).nodes.find((n) => n.node === names[j])?.state;
    const hasRoute = async (i: number, filter: string, owner: number): Promise<boolean> =>
      routeListSchema.parse((await httpJson(`${http(i)}/api/v1/routes`)).json).routes.some((r) => r.filter === filter && r.nodes.includes(names[owner]!));
    const allUp = async (): Promise<boolean> => {
      for (const i of [0, 1, 2]) for (const j of [0, 1, 2]) if ((await state(i, j).catch(() => undefined)) !== 'up') return false;
      return true;
    };
    await waitFor(allUp, { what: 'three nodes up', timeoutMs: 30000, intervalMs: 100 });

    const majoritySub = await TestClient.connect(mqttUrl(0), { clientId: randomClientId() });
    const minoritySub = await TestClient.connect(mqttUrl(2), { clientId: randomClientId() });
    opened.push(() => majoritySub.destroy(), () => minoritySub.destroy());
    // A topic subscribed on both sides before the cut: the majority holds a route to the minority.
    await majoritySub.subscribe('both/sides', { qos: 1 });
    await minoritySub.subscribe('both/sides', { qos: 1 });
    await waitFor(() => hasRoute(1, 'both/sides', 2), { what: 'minority route on p1' });
    const publisher = await TestClient.connect(mqttUrl(1), { protocolVersion: 4 });
    opened.push(() => publisher.destroy());

    await network.partition(['p0', 'p1'], ['p2']);
    // Every view, the publisher's node p1 included (a loaded machine delays its suspicion of p2).
    await waitFor(async () => (await state(0, 2)) !== 'up' && (await state(1, 2)) !== 'up' && (await state(2, 0)) !== 'up' && (await state(2, 1)) !== 'up' && (await state(0, 1)) === 'up',
      { what: 'the views show the split', timeoutMs: 15000, intervalMs: 100 });
    // The cut leaves the sockets open: the majority must not wait for the minority's acks, or every
    // QoS 1 publish to a topic subscribed there would hang and fail (3.1.1: a disconnect) for the
    // whole partition. Acknowledged at once, delivered on the majority.
    const publishedAt = Date.now();
    const bound = new Promise<'no ack'>((resolve) => { setTimeout(() => resolve('no ack'), 5000).unref(); });
    expect(await Promise.race([publisher.publish('both/sides', 'during the cut', { qos: 1 }), bound])).toBe(0);
    expect(Date.now() - publishedAt).toBeLessThan(2000);
    expect(publisher.isClosed).toBe(false);
    expect((await majoritySub.messages.next(5000)).text).toBe('during the cut');
    // The minority has no majority: not ready; the majority is.
    await waitFor(async () => (await httpJson(`${http(2)}/readyz`)).status === 503, { what: 'p2 not ready', timeoutMs: 5000, intervalMs: 100 });
    // The majority is ready (waited for: a CPU-starved moment can make p0 suspect p1 briefly).
    await waitFor(async () => (await httpJson(`${http(0)}/readyz`)).status === 200, { what: 'p0 ready', timeoutMs: 10000, intervalMs: 100 });
    // Each side makes a route the other cannot hear of yet.
    await majoritySub.subscribe('made/in/majority', { qos: 1 });
    await minoritySub.subscribe('made/in/minority', { qos: 1 });
    await waitFor(() => hasRoute(1, 'made/in/majority', 0), { what: 'majority route on p1' });
    expect(await hasRoute(2, 'made/in/majority', 0)).toBe(false);

    await network.heal();
    await waitFor(allUp, { what: 'three nodes up again', timeoutMs: 30000, intervalMs: 100 });
    await waitFor(async () => (await hasRoute(2, 'made/in/majority', 0)) && (await hasRoute(0, 'made/in/minority', 2)) && (await hasRoute(1, 'made/in/minority', 2)),
      { what: 'routes converge', timeoutMs: 15000, intervalMs: 100 });
    const pub = await TestClient.connect(mqttUrl(1));
    opened.push(() => pub.destroy());
    await pub.publish('made/in/minority', 'healed', { qos: 1 });
    await pub.publish('made/in/majority', 'healed too', { qos: 1 });
    expect((await minoritySub.messages.next(5000)).text).toBe('healed');
    expect((await majoritySub.messages.next(5000)).text).toBe('healed too');
  }, 120_000);
});
