// Retained replication between ClusterNodes in process: broadcast of sets and deletes, last
// writer wins on conflicts, a late joiner receives the whole set before it counts as joined.
import { afterEach, describe, expect, it } from '@jest/globals';
import { configSchema, type Config } from '../config/schema.js';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message } from '../routing/message.js';
import { freePort } from '../../test/support/net.js';
import { waitFor } from '../../test/support/wait.js';
import { ClusterNode } from './cluster-node.js';
import { isNewerVersion } from './retained-sync.js';

const COOKIE = 'test-cookie-0123456789abcdef';
const started: ClusterNode[] = [];
afterEach(async () => { await Promise.all(started.splice(0).map((n) => n.close())); });

/** A stand-in for the broker's retained index: what applyRetained left there. */
interface Held { node: ClusterNode; retained: Map<string, Message> }

async function startNode(name: string, host: string, port: number, seeds: string[]): Promise<Held> {
  const parsed = configSchema.parse({ nodeName: name, bind: host, cluster: { discovery: 'static', seeds, port, cookie: COOKIE, heartbeatMs: 50, suspectAfterMs: 150, downAfterMs: 400 } });
  const config: Config = { ...parsed, nodeName: name };
  const retained = new Map<string, Message>();
  const node = await ClusterNode.start({
    config, logger: silentLogger, metrics: createBrokerMetrics({ defaultMetrics: false }), now: Date.now, onMessage: () => undefined,
    applyRetained: (m) => { if (m.payload.length === 0) retained.delete(m.topic); else retained.set(m.topic, m); },
    tuning: { reconnectBaseMs: 20, reconnectMaxMs: 200, joinTimeoutMs: 300 },
  });
  started.push(node);
  return { node, retained };
}

function retain(held: Held, topic: string, payload: string, at = Date.now()): void {
  const m = createMessage({ topic, payload: Buffer.from(payload), qos: 1, retain: true, originClientId: 'c', originNode: held.node.identity.name, receivedAt: at, properties: { contentType: 'text/plain', correlationData: Buffer.from([9]) } });
  if (payload.length === 0) held.retained.delete(topic); else held.retained.set(topic, m);
  held.node.retained.localChanged(m);
}

const text = (h: Held, topic: string): string | undefined => h.retained.get(topic)?.payload.toString();

describe('RetainedSync', () => {
  it('orders versions by (version, node)', () => {
    expect(isNewerVersion(2, 'a', { v: 1, by: 'z' })).toBe(true);
    expect(isNewerVersion(1, 'b', { v: 1, by: 'a' })).toBe(true);
    expect(isNewerVersion(1, 'a', { v: 1, by: 'a' })).toBe(false);
    expect(isNewerVersion(0, 'a', undefined)).toBe(true);
  });

  it('replicates sets and deletes; a conflicting write converges on the last writer; a late joiner gets the whole set', async () => {
    const hosts = ['127.0.3.60', '127.0.3.61', '127.0.3.62'];
    const port = await freePort(hosts[0]);
    const seeds = hosts.map((h) => `${h}:${port}`);
    const [a, b] = await Promise.all(hosts.slice(0, 2).map((h, i) => startNode(`n${i}`, h, port, seeds)));
    await waitFor(() => a!.node.joined() && b!.node.joined(), { what: 'joined' });

    retain(a!, 'r/1', 'one');
    retain(a!, 'r/2', 'two');
    await waitFor(() => text(b!, 'r/1') === 'one' && text(b!, 'r/2') === 'two', { what: 'sets replicated' });
    expect(b!.retained.get('r/1')!.properties).toEqual({ contentType: 'text/plain', correlationData: Buffer.from([9]) });
    retain(a!, 'r/2', '');
    await waitFor(() => !b!.retained.has('r/2'), { what: 'delete replicated' });

    // Both write r/3 "at once": whichever (version, node) is higher wins on both.
    const at = Date.now();
    retain(a!, 'r/3', 'from-a', at);
    retain(b!, 'r/3', 'from-b', at);
    await waitFor(() => text(a!, 'r/3') === 'from-b' && text(b!, 'r/3') === 'from-b', { what: 'n1 wins the tie on both' });
    // A write after seeing another node's newer version still wins, whatever the local clock says.
    retain(a!, 'r/3', 'later-a', at - 5000);
    await waitFor(() => text(b!, 'r/3') === 'later-a', { what: 'a later write wins despite an older clock' });

    const late = await startNode('n2', hosts[2]!, port, seeds);
    await waitFor(() => late.node.joined(), { what: 'late joiner joined' });
    // Joined means the sets already arrived: no waiting after readiness.
    expect(text(late, 'r/1')).toBe('one');
    expect(text(late, 'r/3')).toBe('later-a');
    expect(late.retained.has('r/2')).toBe(false);
    expect(late.node.retained.size).toBe(2);
  });

  it('a deletion is not undone by an older copy arriving from a node that was away', async () => {
    const hosts = ['127.0.3.63', '127.0.3.64'];
    const port = await freePort(hosts[0]);
    const a = await startNode('n0', hosts[0]!, port, []);
    retain(a, 'x', 'old', Date.now() - 1000);
    retain(a, 'x', '');
    const b = await startNode('n1', hosts[1]!, port, [`${hosts[0]}:${port}`]);
    // b holds an older copy (as if restored from a store while away).
    b.node.retained.seed([createMessage({ topic: 'x', payload: Buffer.from('stale'), qos: 0, retain: true, originClientId: 'c', originNode: 'n1', receivedAt: Date.now() - 500_000 })]);
    await waitFor(() => a.node.joined() && b.node.joined(), { what: 'joined' });
    await waitFor(() => b.node.retained.size === 0, { what: 'tombstone wins on b' });
    expect(a.retained.has('x')).toBe(false);
  });
});
