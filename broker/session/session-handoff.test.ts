// Hand-off between two nodes' registries with a fake transport: the old owner keeps the session's
// subscriptions as a relay that forwards (QoS 1/2) until the new owner confirms and its own route
// barrier passed; the new owner drops copies it already has; relays arriving early wait for the
// import, and follow a snapshot passed on; a relayed delivery a publish waits on is acknowledged end to end.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message, type QoS } from '../routing/message.js';
import { SubscriptionTable } from '../routing/subscription-table.js';
import { createMemoryStore } from '../store/memory-store.js';
import { WriteJournal } from '../store/write-journal.js';
import type { StoredDelivery } from '../store/store.js';
import type { SessionSnapshot } from './cluster-seam.js';
import { SessionHandoff, type HandoffTransport } from './session-handoff.js';
import { SessionRegistry } from './session-registry.js';

interface Sent { node: string; clientId: string; delivery: StoredDelivery; hops: number; ack: number | undefined }

function node(name: string) {
  const metrics = createBrokerMetrics({ defaultMetrics: false });
  const routes: string[] = [];
  const table = new SubscriptionTable({ onFilterAdded: (f) => routes.push(`+${f}`), onFilterRemoved: (f) => routes.push(`-${f}`) });
  const ctx = {
    journal: new WriteJournal({ store: createMemoryStore(), logger: silentLogger, now: Date.now, hooks: { stateOf: () => undefined, retainedOf: () => undefined, fenced: () => undefined } }),
    metrics, logger: silentLogger, now: Date.now, nodeName: name,
    limits: { maxInflight: 10, maxQueuedMessages: 100, queueOverflow: 'drop-oldest' as const, queueQos0: false },
  };
  const registry = new SessionRegistry(ctx, table, { publishWill: () => undefined, redispatch: () => undefined });
  const sent: Sent[] = [];
  const imports: Array<[string, string, number]> = [];
  /** Route barriers started, each passed when the test calls it (the peers answered). */
  const barriers: Array<() => void> = [];
  const links = { up: true };
  const transport: HandoffTransport = {
    relayCapable: () => true,
    acksRelays: () => true,
    sendRelay: (to, clientId, delivery, hops, ack) => { if (!links.up) return false; sent.push({ node: to, clientId, delivery, hops, ack }); return true; },
    imported: (clientId, from, relay) => { imports.push([clientId, from, relay]); },
    barrier: () => new Promise((resolve) => { barriers.push(resolve); }),
  };
  const handoff = new SessionHandoff({ nodeName: name, registry, metrics, logger: silentLogger, now: Date.now, transport: () => transport });
  return { name, table, registry, handoff, sent, imports, routes, metrics, barriers, links };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A dispatch as a forward's or a local publish's: the promise it leaves (undefined: nothing to wait for). */
function dispatch(n: ReturnType<typeof node>, work: () => void): Promise<void> | undefined {
  const token = n.handoff.acks.begin();
  work();
  return n.handoff.acks.end(token);
}

async function outcome(p: Promise<void> | undefined): Promise<string> {
  if (p === undefined) return 'at once';
  return await p.then(() => 'held', (err: unknown) => `failed: ${(err as Error).message}`);
}

const msg = (origin: string, seq: number, qos: QoS = 1): Message => createMessage({
  topic: 't/x', payload: Buffer.from(`${origin}:${seq}`), qos, retain: false, originClientId: 'pub', originNode: origin, receivedAt: 1, originSeq: seq,
});

/** A persistent offline session `s` subscribed to t/# with one queued message. */
function persistentSession(n: ReturnType<typeof node>, queued: Message): void {
  const { session } = n.registry.open('s', false);
  session.expiryInterval = 600;
  n.table.add({ clientId: 's', filter: 't/#', topicFilter: 't/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: undefined, shareGroup: undefined });
  n.registry.connectionClosed(session, false);
  session.deliver(queued, 1, false, undefined, undefined, undefined);
}

const deliver = (n: ReturnType<typeof node>, m: Message) => n.registry.get('s')?.deliver(m, m.qos, false, undefined, undefined, undefined);

describe('session hand-off', () => {
  it('leaves a relay with the routes at the old owner until the new owner says its routes are out', async () => {
    const a = node('a');
    persistentSession(a, msg('p', 1));
    const pending = a.handoff.relayOut('s', 'b');
    // Pending from the turn the relay takes over, before its store writes settle: a drain waits for it.
    expect(a.handoff.relaysTo()).toEqual(new Map([['b', 1]]));
    const snapshot = (await pending)!;
    expect(snapshot.queue.map((d) => d.message.originSeq)).toEqual([1]);
    expect(snapshot.handoff).toEqual({ from: 'a', relay: 1, seen: {} });
    expect(a.registry.size).toBe(0); // a relay is not a session held here
    expect(a.routes).toEqual(['+t/#']); // ...but its route stays
    expect(a.handoff.relaysTo()).toEqual(new Map([['b', 1]]));
    deliver(a, msg('p', 2));
    deliver(a, msg('p', 3, 0));
    expect(a.sent.map((s) => [s.node, s.delivery.message.originSeq, s.hops])).toEqual([['b', 2, 1]]); // QoS 0 is not relayed
    a.handoff.endRelay('s', 99); // another relay's confirmation: ignored
    await turn();
    expect(a.barriers).toHaveLength(0);
    expect(a.routes).toEqual(['+t/#']);
    a.handoff.endRelay('s', 1);
    // Confirmed, but a peer's forward sent before it learnt b's route may still be on its way here:
    // the relay lasts until this node's own barrier has passed.
    await turn();
    expect(a.barriers).toHaveLength(1);
    deliver(a, msg('p', 4));
    expect(a.sent.at(-1)).toMatchObject({ node: 'b', hops: 1 });
    expect(a.routes).toEqual(['+t/#']);
    a.barriers[0]!();
    await turn();
    expect(a.routes).toEqual(['+t/#', '-t/#']);
    expect(a.handoff.relayCount).toBe(0);
    // A relayed delivery still on its way to a follows the session to b.
    void a.handoff.deliverRelayed('s', { message: msg('q', 9), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined }, 1);
    expect(a.sent.at(-1)).toMatchObject({ node: 'b', hops: 2 });
    a.handoff.close();
  });

  it('delivers each message once at the new owner, whichever way it comes, and confirms the import', async () => {
    const a = node('a');
    const b = node('b');
    persistentSession(a, msg('p', 1));
    a.handoff.recordDeliveries(); // a drains: it notes what its sessions get from now on
    deliver(a, msg('p', 2));
    const snapshot: SessionSnapshot = (await a.handoff.relayOut('s', 'b'))!;
    expect(snapshot.handoff?.seen).toEqual({ p: [2] });
    // A relay that overtakes the import waits for it.
    void b.handoff.deliverRelayed('s', { message: msg('p', 3), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined }, 1);
    b.registry.restore(snapshot);
    b.handoff.imported('s', snapshot);
    expect(b.imports).toEqual([['s', 'a', 1]]);
    const s = b.registry.get('s')!;
    const queued = () => s.snapshot().queue.map((d) => `${d.message.originNode}:${d.message.originSeq}`);
    expect(queued()).toEqual(['p:1', 'p:2', 'p:3']);
    for (const m of [msg('p', 1), msg('p', 2), msg('p', 3), msg('p', 4), msg('p', 4), msg('q', 1)]) deliver(b, m);
    expect(queued()).toEqual(['p:1', 'p:2', 'p:3', 'p:4', 'q:1']);
    expect((await b.metrics.registry.getSingleMetric('meshmq_handoff_duplicate_messages_total')?.get())?.values[0]?.value).toBe(4);
    a.handoff.close();
    b.handoff.close();
  });

  it('passes relays on to where a snapshot it only held went', () => {
    const c = node('c');
    const d: StoredDelivery = { message: msg('p', 5), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined };
    void c.handoff.deliverRelayed('s', d, 1); // no session here: it waits
    expect(c.sent).toEqual([]);
    c.handoff.pointTo('s', 'b');
    void c.handoff.deliverRelayed('s', d, 1);
    expect(c.sent.map((x) => [x.node, x.hops])).toEqual([['b', 2], ['b', 2]]);
    c.handoff.close();
  });
});

describe('relayed deliveries acknowledged end to end', () => {
  const d = (seq: number): StoredDelivery => ({ message: msg('p', seq), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined });

  it('a dispatch that relayed is held only once the new owner acknowledges, and fails when it refuses', async () => {
    const a = node('a');
    persistentSession(a, msg('p', 1));
    await a.handoff.relayOut('s', 'b');
    expect(a.sent).toEqual([]);
    // Outside any dispatch a publisher waits on (a will, say): relayed without an ack id.
    deliver(a, msg('p', 2));
    expect(a.sent.at(-1)?.ack).toBeUndefined();
    const first = dispatch(a, () => deliver(a, msg('p', 3)));
    const second = dispatch(a, () => deliver(a, msg('p', 4)));
    const [k3, k4] = a.sent.slice(-2).map((s) => s.ack!);
    expect(a.handoff.acks.pending).toBe(2);
    a.handoff.relayAcked('c', [k3!], true); // not the node it went to: ignored
    a.handoff.relayAcked('b', [k3!], true);
    a.handoff.relayAcked('b', [k4!], false);
    expect(await outcome(first)).toBe('held');
    expect(await outcome(second)).toMatch(/^failed: b did not take/);
    expect(a.handoff.acks.pending).toBe(0);
    // Nothing relayed (QoS 0, or no relay at all): nothing to wait for.
    expect(dispatch(a, () => deliver(a, msg('p', 5, 0)))).toBeUndefined();
    a.handoff.close();
  });

  it('fails what the new owner had not acknowledged when the link to it closes, or when it cannot be sent', async () => {
    const a = node('a');
    persistentSession(a, msg('p', 1));
    await a.handoff.relayOut('s', 'b');
    const pending = dispatch(a, () => deliver(a, msg('p', 2)));
    a.handoff.relayLinkDown('b');
    expect(await outcome(pending)).toMatch(/link to b closed/);
    a.links.up = false;
    expect(await outcome(dispatch(a, () => deliver(a, msg('p', 3))))).toMatch(/could not be sent to b/);
    a.handoff.close();
  });

  it('a relayed delivery that waits for its session is held once the import came, and passed on acknowledged', async () => {
    const a = node('a');
    const b = node('b');
    persistentSession(a, msg('p', 1));
    const snapshot = (await a.handoff.relayOut('s', 'b'))!;
    const early = b.handoff.deliverRelayed('s', d(7), 1);
    expect(early).toBeDefined();
    expect(b.handoff.acks.pending).toBe(1);
    b.registry.restore(snapshot);
    b.handoff.imported('s', snapshot);
    expect(await outcome(early)).toBe('held');
    // Held as soon as it arrives once the session is here.
    expect(b.handoff.deliverRelayed('s', d(8), 1)).toBeUndefined();

    // At a node the snapshot only passed through, it follows the session; held once acknowledged there.
    const c = node('c');
    const waiting = c.handoff.deliverRelayed('s', d(9), 1);
    c.handoff.pointTo('s', 'b');
    expect(c.sent.map((x) => [x.node, x.hops])).toEqual([['b', 2]]);
    c.handoff.relayAcked('b', [c.sent[0]!.ack!], true);
    expect(await outcome(waiting)).toBe('held');
    for (const n of [a, b, c]) n.handoff.close();
  });
});
