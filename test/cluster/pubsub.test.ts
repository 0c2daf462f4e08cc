// A 3-process cluster found through DNS behaves as one broker: cross-node publish/subscribe at
// QoS 0/1/2 with wildcards, shared subscriptions (one delivery per group cluster-wide),
// retained messages on a late joiner, sessions that move between nodes, unique client ids.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { randomClientId, TestClient, type ReceivedMessage } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { TestCluster } from './cluster-harness.js';

let cluster: TestCluster;
const cleanup = new Cleanup();
beforeAll(async () => {
  cluster = await TestCluster.start({ subnet: '127.0.5', size: 3 });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => { await cleanup.run(); await cluster?.close(); }, 30_000);

async function connect(node: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
  const client = await TestClient.connect(cluster.url(node), { clientId: randomClientId(), ...options });
  return cleanup.add(client, () => client.destroy());
}

/** Waits until `client` got `count` messages, then checks nothing more arrives while a marker round-trips. */
async function settle(client: TestClient, count: number, timeoutMs = 10000): Promise<ReceivedMessage[]> {
  await waitFor(() => client.messages.history.length >= count, { what: `${count} messages`, timeoutMs });
  return client.messages.history;
}

describe('a 3-node cluster', () => {
  it('delivers across nodes at QoS 0, 1 and 2 through wildcard filters, once per subscription', async () => {
    const a = await connect(1, { protocolVersion: 5 });
    await a.subscribe('c/+/temp', { qos: 2 });
    const b = await connect(2);
    await b.subscribe('c/#', { qos: 1 });
    await cluster.waitRoute(0, 'c/+/temp', [1]);
    await cluster.waitRoute(0, 'c/#', [2]);
    const pub = await connect(0, { protocolVersion: 5 });
    for (const qos of [0, 1, 2] as const) await pub.publish('c/kitchen/temp', `q${qos}`, { qos, properties: { userProperties: { k: 'v' } } });
    await pub.publish('c/kitchen/humidity', 'h', { qos: 1 });
    const gotA = await settle(a, 3);
    const gotB = await settle(b, 4);
    expect(gotA.map((m) => [m.text, m.packet.qos])).toEqual([['q0', 0], ['q1', 1], ['q2', 2]]);
    expect(gotA[2]!.packet.properties?.userProperties).toEqual({ k: 'v' });
    expect(gotB.map((m) => [m.text, m.packet.qos]).sort()).toEqual([['h', 1], ['q0', 0], ['q1', 1], ['q2', 1]]);
    // A publish nobody subscribed to elsewhere stays local (and is acknowledged).
    await pub.publish('nobody/here', 'x', { qos: 1 });
    expect(a.messages.history).toHaveLength(3);
  }, 30_000);

  it('serves each shared group once per message across the cluster', async () => {
    const members = [await connect(1), await connect(1), await connect(2)];
    for (const m of members) await m.subscribe('$share/workers/jobs/+', { qos: 1 });
    const plain = await connect(2);
    await plain.subscribe('jobs/+', { qos: 1 });
    const other = await connect(0);
    await other.subscribe('$share/audit/jobs/#', { qos: 1 });
    await cluster.waitRoute(0, '$share/workers/jobs/+', [1, 2]);
    await cluster.waitRoute(0, 'jobs/+', [2]);
    const pub = await connect(0);
    const count = 30;
    for (let i = 0; i < count; i++) await pub.publish(`jobs/${i}`, String(i), { qos: 1 });
    await settle(plain, count);
    await waitFor(() => members.reduce((n, m) => n + m.messages.history.length, 0) >= count, { what: 'the workers group got every job' });
    await settle(other, count);
    const served = members.flatMap((m) => m.messages.history.map((x) => x.text)).sort((x, y) => Number(x) - Number(y));
    expect(served).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    // Both nodes with members took part (round-robin across nodes).
    expect(members[2]!.messages.history.length).toBeGreaterThan(0);
    expect(members[0]!.messages.history.length + members[1]!.messages.history.length).toBeGreaterThan(0);
    expect(other.messages.history).toHaveLength(count);
  }, 30_000);

  it('moves a persistent session to another node: queued QoS 2 messages delivered exactly once, subscriptions kept', async () => {
    const clientId = randomClientId('mover');
    const options = { clientId, protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connect(0, options);
    await first.subscribe('orders/#', { qos: 2 });
    await first.disconnect();
    await cluster.waitRoute(1, 'orders/#', [0]);
    const pub = await connect(1);
    for (let i = 0; i < 5; i++) await pub.publish(`orders/${i}`, `o${i}`, { qos: 2 });
    const moved = await connect(2, options);
    expect(moved.connack.sessionPresent).toBe(true);
    const got = await settle(moved, 5);
    expect(got.map((m) => m.text)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    // The routes followed the session: node 2 owns orders/# now, node 0 no longer.
    await waitFor(async () => {
      const entry = (await cluster.routes(1)).routes.find((r) => r.filter === 'orders/#');
      return entry !== undefined && entry.nodes.join() === cluster.nodeName(2);
    }, { what: 'orders/# owned by node 2 only' });
    await pub.publish('orders/late', 'late', { qos: 2 });
    await settle(moved, 6);
    expect(moved.messages.history.map((m) => m.text).filter((t) => t.startsWith('o'))).toHaveLength(5);
  }, 30_000);

  it('keeps a client id unique across nodes: the older connection is closed with 0x8E', async () => {
    const clientId = randomClientId('dup');
    const older = await connect(0, { clientId, protocolVersion: 5 });
    const newer = await connect(1, { clientId, protocolVersion: 5 });
    const disconnect = await older.disconnects.next(10000);
    expect(disconnect.reasonCode).toBe(0x8e);
    await older.closed;
    expect(newer.isClosed).toBe(false);
  }, 30_000);

  it('shows retained messages on every node, including one that joins later; deletions too', async () => {
    const pub = await connect(0);
    await pub.publish('status/door', 'open', { qos: 1, retain: true });
    await pub.publish('status/window', 'closed', { qos: 1, retain: true });
    await pub.publish('status/window', '', { qos: 1, retain: true });
    const onOther = await connect(1);
    await waitFor(async () => {
      const c = await connect(1);
      await c.subscribe('status/#', { qos: 1 });
      try { return (await c.messages.next(500)).text === 'open'; } catch { return false; } finally { await c.destroy(); }
    }, { what: 'retained on node 1', timeoutMs: 10000 });
    await onOther.destroy();
    await cluster.startNode(3);
    const late = await connect(3);
    await late.subscribe('status/#', { qos: 1 });
    const got = await late.messages.next(5000);
    expect([got.topic, got.text, got.packet.retain]).toEqual(['status/door', 'open', true]);
    await expect(late.messages.next(300)).rejects.toThrow(); // the deleted one is gone everywhere
    await cluster.stopNode(3);
  }, 60_000);
});
