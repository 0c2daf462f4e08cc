// Mesh transport on loopback: nodes on their own 127.0.3.x address with one shared port, as pods.
import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import { freePort } from '../../test/support/net.js';
import { waitFor } from '../../test/support/wait.js';
import { encodeControl, FRAME_KIND } from './frame-codec.js';
import { Mesh, type MeshEvents } from './mesh.js';
import { createNodeIdentity } from './node-identity.js';
import type { PeerConnection } from './peer-connection.js';

const COOKIE = 'a-cluster-cookie-of-32-characters';
const opened: Mesh[] = [];
afterEach(async () => { await Promise.all(opened.splice(0).map((m) => m.close())); });

interface TestNode { mesh: Mesh; metrics: BrokerMetrics; ups: PeerConnection[]; downs: string[]; frames: Array<[string, number, Buffer]> }

async function startNode(name: string, host: string, port: number, cookie = COOKIE, limits = {}): Promise<TestNode> {
  const metrics = createBrokerMetrics({ defaultMetrics: false });
  const node: TestNode = { mesh: undefined as unknown as Mesh, metrics, ups: [], downs: [], frames: [] };
  const events: MeshEvents = {
    onPeerUp: (conn) => node.ups.push(conn),
    onPeerDown: (peer) => node.downs.push(peer.name),
    onFrame: (conn, kind, body) => node.frames.push([conn.peer.name, kind, Buffer.from(body)]),
  };
  node.mesh = await Mesh.start({
    identity: createNodeIdentity(name, Date.now()), cookie, bind: host, port, handshakeTimeoutMs: 2000,
    limits: { softLimitBytes: 256 * 1024, hardLimitBytes: 4 * 1024 * 1024, maxFrameBytes: 1024 * 1024, ...limits },
    backoff: { baseMs: 20, maxMs: 200 }, logger: silentLogger, metrics, now: Date.now,
  }, events);
  opened.push(node.mesh);
  return node;
}

const names = (m: Mesh): string[] => [...m.connections()].map((c) => c.peer.name).sort();

describe('Mesh', () => {
  it('forms a full mesh of 3 nodes from static addresses, one connection per pair, ignoring itself', async () => {
    const port = await freePort('127.0.3.11');
    const hosts = ['127.0.3.11', '127.0.3.12', '127.0.3.13'];
    const nodes = await Promise.all(hosts.map((h, i) => startNode(`n${i}`, h, port)));
    const all = hosts.map((h) => `${h}:${port}`);
    // Every node dials every address (itself included), so every pair dials twice at once.
    for (const n of nodes) n.mesh.setTargets(all);
    await waitFor(() => nodes.every((n) => n.mesh.connections().next().done === false && names(n.mesh).length === 2), { what: 'full mesh' });
    expect(names(nodes[0]!.mesh)).toEqual(['n1', 'n2']);
    // Both ends agree on the one surviving connection: the one dialed by the smaller name.
    for (const n of nodes) for (const c of n.mesh.connections()) expect(c.dialedBy).toBe([c.peer.name, c.dialedBy].sort()[0]);
    const c01 = nodes[0]!.mesh.get('n1')!;
    c01.send(encodeControl({ t: 'hb', at: 1 }));
    await waitFor(() => nodes[1]!.frames.some(([from, kind]) => from === 'n0' && kind === FRAME_KIND.control), { what: 'frame' });
    expect(nodes.every((n) => n.downs.length === 0)).toBe(true);
  });

  it('refuses a peer with the wrong cookie and counts it on both sides', async () => {
    const port = await freePort('127.0.3.14');
    const a = await startNode('a', '127.0.3.14', port);
    const b = await startNode('b', '127.0.3.15', port, 'another-cookie-of-32-characters!');
    b.mesh.setTargets([`127.0.3.14:${port}`]);
    const failures = async (n: TestNode): Promise<number> => (await n.metrics.meshHandshakeFailures.get()).values.reduce((s, v) => s + v.value, 0);
    await waitFor(async () => (await failures(a)) >= 1 && (await failures(b)) >= 1, { what: 'handshake failures counted' });
    expect(names(a.mesh)).toEqual([]);
    expect(names(b.mesh)).toEqual([]);
    const reasons = (await a.metrics.meshHandshakeFailures.get()).values.map((v) => v.labels['reason']);
    expect(reasons).toContain('bad_cookie');
  });

  it('closes a peer that sends an oversized frame, counts it, and reconnects', async () => {
    const port = await freePort('127.0.3.16');
    const a = await startNode('a', '127.0.3.16', port, COOKIE, { maxFrameBytes: 1024 });
    const b = await startNode('b', '127.0.3.17', port);
    b.mesh.setTargets([`127.0.3.16:${port}`]);
    await waitFor(() => a.mesh.get('b'), { what: 'connected' });
    b.mesh.get('a')!.send(encodeControl({ t: 'snap-chunk', filters: ['x'.repeat(4000)] }));
    await waitFor(() => a.downs.includes('b'), { what: 'peer closed' });
    expect((await a.metrics.meshFrameErrors.get()).values[0]?.labels['reason']).toBe('frame_too_large');
    await waitFor(() => a.mesh.get('b'), { what: 'reconnected' });
  });

  it('a raw socket that never completes the handshake times out without harming the mesh', async () => {
    const port = await freePort('127.0.3.18');
    const a = await startNode('a', '127.0.3.18', port);
    const sock = net.connect({ host: '127.0.3.18', port });
    await new Promise((r) => sock.once('connect', r));
    sock.on('data', () => undefined);
    sock.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10]));
    await new Promise((r) => sock.once('close', r));
    // Every reason starts at 0; only this one counted.
    expect((await a.metrics.meshHandshakeFailures.get()).values.filter((v) => v.value > 0).map((v) => v.labels['reason'])).toEqual(['malformed']);
  });
});
