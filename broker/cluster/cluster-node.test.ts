// ClusterNode end to end, in process: nodes on their own 127.0.3.x address with one shared
// cluster port (as pods), found through static seeds or a test DNS server.
import { afterEach, describe, expect, it } from '@jest/globals';
import { configSchema, type Config } from '../config/schema.js';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message } from '../routing/message.js';
import { DnsServer } from '../../test/support/dns-server.js';
import { freePort } from '../../test/support/net.js';
import { waitFor } from '../../test/support/wait.js';
import { ClusterNode, type ClusterTuning } from './cluster-node.js';
import type { PeerDelivery } from './forwarder.js';
import { encodeControl } from './frame-codec.js';

const COOKIE = 'test-cookie-0123456789abcdef';
const started: ClusterNode[] = [];
const servers: DnsServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface TestNode { node: ClusterNode; inbox: Array<[Message, PeerDelivery]>; metrics: BrokerMetrics; host: string }

function makeConfig(name: string, host: string, port: number, cluster: Record<string, unknown>): Config {
  const parsed = configSchema.parse({
    nodeName: name, bind: host,
    cluster: { port, cookie: COOKIE, heartbeatMs: 50, suspectAfterMs: 150, downAfterMs: 400, ...cluster },
  });
  return { ...parsed, nodeName: name };
}

async function startNode(name: string, host: string, port: number, cluster: Record<string, unknown>, tuning: Partial<ClusterTuning> = {}, status?: () => { draining: boolean; sessions: number }): Promise<TestNode> {
  const inbox: Array<[Message, PeerDelivery]> = [];
  const metrics = createBrokerMetrics({ defaultMetrics: false });
  const node = await ClusterNode.start({
    config: makeConfig(name, host, port, cluster), logger: silentLogger, metrics, now: Date.now,
    onMessage: (m, d) => { inbox.push([m, d]); }, tuning: { reconnectBaseMs: 20, reconnectMaxMs: 200, ...tuning },
    ...(status ? { localStatus: status } : {}),
  });
  started.push(node);
  return { node, inbox, metrics, host };
}

const upPeers = (n: ClusterNode): string[] => n.view().nodes.filter((e) => !e.self && e.state === 'up').map((e) => e.node);
const fullMesh = (nodes: TestNode[]) => () => nodes.every((n) => upPeers(n.node).length === nodes.length - 1);

function publish(topic: string, qos: 0 | 1 | 2, extra: Partial<Message> = {}): Message {
  return createMessage({ topic, payload: Buffer.from('hello'), qos, retain: false, originClientId: 'pub', originNode: 'n0', receivedAt: Date.now(), ...extra });
}

async function staticCluster(count: number, subnet: number): Promise<TestNode[]> {
  const hosts = Array.from({ length: count }, (_, i) => `127.0.3.${subnet + i}`);
  const port = await freePort(hosts[0]);
  const seeds = hosts.map((h) => `${h}:${port}`);
  const nodes = await Promise.all(hosts.map((h, i) => startNode(`n${i}`, h, port, { discovery: 'static', seeds })));
  await waitFor(fullMesh(nodes), { what: 'full mesh' });
  return nodes;
}

describe('ClusterNode', () => {
  it('3 nodes: replicate routes and forward once per node with QoS, retain, properties and expiry intact', async () => {
    const [n0, n1, n2] = await staticCluster(3, 20);
    n1!.node.router.filterAdded('sensors/+/temp');
    n1!.node.router.filterAdded('sensors/#');
    n2!.node.router.filterAdded('$share/g/sensors/#');
    await waitFor(() => n0!.node.routes.routeCount === 3, { what: 'routes replicated to n0' });
    expect([...n0!.node.routes.nodesFor('sensors/#')!]).toEqual(['n1']);

    const message = publish('sensors/1/temp', 1, {
      retain: true, expiresAt: Date.now() + 60000,
      properties: { contentType: 'text/plain', correlationData: Buffer.from([1, 2, 3]), userProperties: { a: '1', b: ['x', 'y'] } },
    });
    await n0!.node.router.forward(message);
    // n1 matched twice (two filters) but gets the message once; n2 serves the shared group.
    expect(n1!.inbox).toHaveLength(1);
    const [got, delivery] = n1!.inbox[0]!;
    expect(got).toMatchObject({ topic: 'sensors/1/temp', qos: 1, retain: true, expiresAt: message.expiresAt, originNode: 'n0', originClientId: 'pub' });
    expect(got.properties).toEqual(message.properties);
    expect(delivery.sharedGroups.size).toBe(0);
    expect([...n2!.inbox[0]![1].sharedGroups]).toEqual(['$share/g/sensors/#']);
    expect(n0!.node.router.forward(publish('other/topic', 1))).toBeUndefined();

    n1!.node.router.filterRemoved('sensors/#');
    await waitFor(() => n2!.node.routes.routeCount === 2, { what: 'removal replicated' });
  });

  it('a shared group with a member on the publishing node is served locally; otherwise round-robin across nodes', async () => {
    const [n0, n1, n2] = await staticCluster(3, 25);
    n1!.node.router.filterAdded('$share/g/t');
    n2!.node.router.filterAdded('$share/g/t');
    await waitFor(() => n0!.node.routes.routeCount === 2, { what: 'routes' });
    for (let i = 0; i < 10; i++) await n0!.node.router.forward(publish('t', 1));
    expect(n1!.inbox.length + n2!.inbox.length).toBe(10);
    expect(n1!.inbox.length).toBe(5);
    n0!.node.router.filterAdded('$share/g/t');
    expect(n0!.node.router.forward(publish('t', 1))).toBeUndefined();
  });

  it('5 nodes found through DNS, and a 6th added to DNS later joins without restarts', async () => {
    const dns = await DnsServer.start();
    servers.push(dns);
    const hosts = Array.from({ length: 6 }, (_, i) => `127.0.3.${30 + i}`);
    const port = await freePort(hosts[0]);
    const name = 'meshmq-headless.test.svc.cluster.local';
    dns.set(name, hosts.slice(0, 5));
    const cluster = { discovery: 'dns', dnsName: name, dnsServer: dns.address, dnsIntervalMs: 100 };
    const nodes = await Promise.all(hosts.slice(0, 5).map((h, i) => startNode(`n${i}`, h, port, cluster)));
    await waitFor(fullMesh(nodes), { what: '5-node mesh' });
    nodes[4]!.node.router.filterAdded('a/b');
    const late = await startNode('n5', hosts[5]!, port, cluster);
    dns.set(name, hosts);
    nodes.push(late);
    await waitFor(fullMesh(nodes), { what: '6-node mesh', timeoutMs: 15000 });
    await waitFor(() => late.node.routes.nodesFor('a/b')?.has('n4'), { what: 'late joiner got the routes' });
  });

  it('a node that dies is suspected then down; forget drops its routes; its next life replaces the old', async () => {
    const [n0, n1, n2] = await staticCluster(3, 40);
    n2!.node.router.filterAdded('old/life');
    await waitFor(() => n0!.node.routes.routeCount === 1 && n1!.node.routes.routeCount === 1, { what: 'routes' });
    const oldIncarnation = n2!.node.identity.incarnation;
    await n2!.node.close(); // no leave frame: peers see a dropped connection
    await waitFor(() => n0!.node.view().nodes.find((e) => e.node === 'n2')?.state === 'down', { what: 'n2 down' });
    expect(n0!.node.routes.routeCount).toBe(1); // kept until forgotten (or a new life)
    expect(n0!.node.forget('n1')).toBe(false); // up nodes cannot be forgotten
    expect(n0!.node.forget('n2')).toBe(true);
    expect(n0!.node.routes.routeCount).toBe(0);
    expect(n0!.node.view().nodes.map((e) => e.node)).toEqual(['n0', 'n1']);

    await waitFor(() => n1!.node.view().nodes.find((e) => e.node === 'n2')?.state === 'down', { what: 'n2 down on n1' });
    const port = n0!.node.port;
    const again = await startNode('n2', '127.0.3.42', port, { discovery: 'static', seeds: [`127.0.3.40:${port}`, `127.0.3.41:${port}`] });
    again.node.router.filterAdded('new/life');
    await waitFor(() => n1!.node.view().nodes.find((e) => e.node === 'n2')?.incarnation === again.node.identity.incarnation, { what: 'new life seen' });
    expect(again.node.identity.incarnation).not.toBe(oldIncarnation);
    await waitFor(() => n1!.node.routes.has('n2', 'new/life') && !n1!.node.routes.has('n2', 'old/life'), { what: 'old life routes replaced on n1' });
  });

  it('a node that leaves gracefully is dropped at once, with its routes', async () => {
    const [n0, n1] = await staticCluster(2, 45);
    n1!.node.router.filterAdded('x');
    await waitFor(() => n0!.node.routes.routeCount === 1, { what: 'route' });
    await n1!.node.leave();
    await waitFor(() => !n0!.node.view().nodes.some((e) => e.node === 'n1'), { what: 'n1 gone from the view' });
    expect(n0!.node.routes.routeCount).toBe(0);
  });

  it('a delta beyond the expected sequence is not applied; the receiver re-syncs with the owner', async () => {
    const [n0, n1] = await staticCluster(2, 50);
    n1!.node.router.filterAdded('a');
    await waitFor(() => n0!.node.routes.routeCount === 1, { what: 'route' });
    // A delta far ahead of what n0 applied: n0 must not apply it, but ask the owner where it stands.
    const conn = n1!.node.peerConnection('n0')!;
    conn.send(encodeControl({ t: 'routes', inc: n1!.node.identity.incarnation, seq: n1!.node.routeSync.seq + 10, ops: ['+phantom'] }));
    n1!.node.router.filterAdded('b');
    await waitFor(() => n0!.node.routes.has('n1', 'b'), { what: 'later delta applied' });
    expect([...n0!.node.routes.ownerFilters('n1')].sort()).toEqual(['a', 'b']);
  });

  it('a slow peer (not reading) does not stall forwards to another peer: its QoS 0 is dropped and counted', async () => {
    const hosts = ['127.0.3.55', '127.0.3.56', '127.0.3.57'];
    const port = await freePort(hosts[0]);
    const seeds = hosts.map((h) => `${h}:${port}`);
    const soft = 256 * 1024;
    const tuning = { softLimitBytes: soft, hardLimitBytes: 64 * 1024 * 1024 };
    const nodes = await Promise.all(hosts.map((h, i) => startNode(`n${i}`, h, port, { discovery: 'static', seeds, suspectAfterMs: 60000, downAfterMs: 120000 }, tuning)));
    await waitFor(fullMesh(nodes), { what: 'mesh' });
    const [n0, slow, fast] = nodes;
    slow!.node.router.filterAdded('load');
    fast!.node.router.filterAdded('load');
    await waitFor(() => n0!.node.routes.routeCount === 2, { what: 'routes' });
    slow!.node.peerConnection('n0')!.pauseReading();
    const toFast = n0!.node.peerConnection('n2')!;
    const payload = Buffer.alloc(1024, 1);
    const total = 8000;
    const deadline = Date.now() + 20000;
    for (let i = 0; i < total && Date.now() < deadline; i++) {
      void n0!.node.router.forward(publish('load', 0, { payload }));
      // Paced by the fast peer only, as a publisher is by its own socket: the slow one must not matter.
      if (i % 50 === 49) { await toFast.whenWritable(); await new Promise((r) => setImmediate(r)); }
    }
    await waitFor(() => fast!.inbox.length === total, { what: 'fast peer got everything', timeoutMs: 20000 });
    const dropped = (await n0!.metrics.messagesDropped.get()).values.find((v) => v.labels['reason'] === 'slow_peer')?.value ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(slow!.inbox.length).toBeLessThan(total);
    expect(n0!.node.peerConnection('n1')!.bufferedBytes).toBeLessThan(soft + 2048);
  });

  it('heartbeats carry joined, draining and sessions into every view; a draining or excluded peer takes no sessions', async () => {
    const hosts = ['127.0.3.80', '127.0.3.81', '127.0.3.82'];
    const port = await freePort(hosts[0]);
    const seeds = hosts.map((h) => `${h}:${port}`);
    const state = [{ draining: false, sessions: 3 }, { draining: false, sessions: 0 }, { draining: false, sessions: 7 }];
    const nodes = await Promise.all(hosts.map((h, i) => startNode(`n${i}`, h, port, { discovery: 'static', seeds }, {}, () => state[i]!)));
    await waitFor(fullMesh(nodes), { what: 'full mesh' });
    const entry = (viewer: number, node: string) => nodes[viewer]!.node.view().nodes.find((e) => e.node === node);
    await waitFor(() => entry(0, 'n2')?.sessions === 7 && entry(0, 'n2')?.joined === true && entry(0, 'n1')?.joined === true, { what: "n1's and n2's state in n0's view" });
    expect(entry(0, 'n0')).toMatchObject({ self: true, joined: true, draining: false, sessions: 3 });
    expect(nodes[0]!.node.handoffCandidates(new Set()).sort()).toEqual(['n1', 'n2']);
    expect(nodes[0]!.node.handoffCandidates(new Set(['n1']))).toEqual(['n2']);
    // n2 starts draining: announced at once, not at the next heartbeat.
    state[2] = { draining: true, sessions: 7 };
    nodes[2]!.node.announceStatus();
    await waitFor(() => entry(0, 'n2')?.draining === true && entry(1, 'n2')?.draining === true, { what: 'n2 draining in the views' });
    expect(nodes[0]!.node.handoffCandidates(new Set())).toEqual(['n1']);
    // It leaves: gone from the others' views, and its own view is itself alone.
    await nodes[2]!.node.leave({ waitForPeersMs: 2000 });
    await waitFor(() => entry(0, 'n2') === undefined && entry(1, 'n2') === undefined, { what: 'n2 gone' });
    expect(nodes[2]!.node.view().nodes.map((e) => e.node)).toEqual(['n2']);
  });
});
