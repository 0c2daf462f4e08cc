// A clustered node's $SYS tree carries the cluster: peers by state, routes, forwarded and received
// messages, forward latency, takeovers, and `$SYS/brokers` lists the nodes up. Values follow
// what happens on the mesh, read by a client allowed $SYS.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMeshmqAclFile } from '../support/auth-files.js';
import { Cleanup } from '../support/cleanup.js';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

let cluster: TestCluster;
let dir: string;
const cleanup = new Cleanup();
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-sys-'));
  const acl = writeMeshmqAclFile(dir, [
    { action: 'subscribe', permission: 'allow', topic: '$SYS/#' },
    { action: 'all', permission: 'allow', topic: '#' },
  ]);
  cluster = await TestCluster.start({ subnet: '127.0.11', size: 2, env: { MESHMQ_SYS_INTERVAL_MS: '100', MESHMQ_ACL_FILE: acl } });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => {
  await cleanup.run();
  await cluster?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function connect(node: number): Promise<TestClient> {
  const client = await TestClient.connect(cluster.url(node), { clientId: randomClientId('sys'), protocolVersion: 5 });
  return cleanup.add(client, () => client.destroy());
}

/** The newest value of every $SYS topic `client` has seen. */
function latest(client: TestClient): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of client.messages.history) out.set(m.topic, m.text);
  return out;
}

describe('$SYS on a clustered node', () => {
  it('publishes peers, routes, forwarded/received counts and latency, and the node list', async () => {
    const [n0, n1] = [cluster.nodeName(0), cluster.nodeName(1)];
    const sub = await connect(1);
    await sub.subscribe('sys-test/#', { qos: 1 });
    await cluster.waitRoute(0, 'sys-test/#', [1]);
    const pub = await connect(0);
    for (let i = 0; i < 5; i++) await pub.publish(`sys-test/${i}`, String(i), { qos: 1 });
    await waitFor(() => sub.messages.history.length >= 5, { what: '5 messages across nodes' });

    const watch0 = await connect(0);
    await watch0.subscribe({ [`$SYS/brokers/${n0}/cluster/#`]: { qos: 0 }, '$SYS/brokers': { qos: 0 } });
    const watch1 = await connect(1);
    await watch1.subscribe(`$SYS/brokers/${n1}/cluster/#`, { qos: 0 });
    const on0 = (suffix: string): string | undefined => latest(watch0).get(`$SYS/brokers/${n0}/cluster/${suffix}`);
    const on1 = (suffix: string): string | undefined => latest(watch1).get(`$SYS/brokers/${n1}/cluster/${suffix}`);

    await waitFor(() => Number(on0('forwarded/messages') ?? 0) >= 5 && Number(on1('received/messages') ?? 0) >= 5,
      { what: 'forwarded and received counts', timeoutMs: 10000 });
    expect(on0('peers/up')).toBe('1');
    expect(on0('peers/down')).toBe('0');
    expect(Number(on0('routes/count'))).toBeGreaterThanOrEqual(1);
    expect(Number(on0('forwarded/bytes'))).toBeGreaterThan(0);
    expect(Number(on1('received/bytes'))).toBeGreaterThan(0);
    // QoS 1 forwards wait for the peer's accept: their latency is measured on the sending node.
    expect(Number(on0('forward/latency/p99_ms'))).toBeGreaterThan(0);
    expect(latest(watch0).get('$SYS/brokers')).toBe([n0, n1].sort().join(','));
  }, 30_000);

  it('counts a session its node gave up to another node', async () => {
    const n0 = cluster.nodeName(0);
    const topic = `$SYS/brokers/${n0}/cluster/takeovers`;
    const clientId = randomClientId('moving');
    const first = await TestClient.connect(cluster.url(0), { clientId, protocolVersion: 5 });
    cleanup.add(first, () => first.destroy());
    const watch = await connect(0);
    await watch.subscribe(topic, { qos: 0 });
    await watch.messages.next(5000);
    const before = Number(latest(watch).get(topic));
    const second = await TestClient.connect(cluster.url(1), { clientId, protocolVersion: 5 });
    cleanup.add(second, () => second.destroy());
    expect((await first.disconnects.next(5000)).reasonCode).toBe(0x8e);
    await waitFor(() => Number(latest(watch).get(topic)) > before, { what: 'takeovers to grow on the old owner' });
  }, 30_000);
});
