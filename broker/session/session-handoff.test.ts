// Hand-off between two nodes' registries with a fake transport: the old owner keeps the session's
// subscriptions as a relay that forwards (QoS 1/2) until the new owner confirms; the new owner drops
// copies it already has; relays arriving early wait for the import, and follow a snapshot passed on.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../log/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message, type QoS } from '../routing/message.js';
import { SubscriptionTable } from '../routing/subscription-table.js';
import { createMemoryStore } from '../store/memory-store.js';
import { WriteJournal } from '../store/write-journal.js';
import type { StoredDelivery } from '../store/store.js';
import type { SessionSnapshot } from './cluster-seam.js';
import { SessionHandoff, type HandoffTransport } from './session-handoff.js';
import { SessionRegistry } from './session-registry.js';

interface Sent { node: string; clientId: string; delivery: StoredDelivery; hops: number }

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
  const transport: HandoffTransport = {
    relayCapable: () => true,
    sendRelay: (to, clientId, delivery, hops) => { sent.push({ node: to, clientId, delivery, hops }); return true; },
    imported: (clientId, from, relay) => { imports.push([clientId, from, relay]); },
  };
  const handoff = new SessionHandoff({ nodeName: name, registry, metrics, logger: silentLogger, now: Date.now, transport: () => transport });
  return { name, table, registry, handoff, sent, imports, routes, metrics };
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
    expect(a.routes).toEqual(['+t/#']);
    a.handoff.endRelay('s', 1);
    expect(a.routes).toEqual(['+t/#', '-t/#']);
    expect(a.handoff.relayCount).toBe(0);
    // A relayed delivery still on its way to a follows the session to b.
    a.handoff.deliverRelayed('s', { message: msg('q', 9), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined }, 1);
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
    b.handoff.deliverRelayed('s', { message: msg('p', 3), qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined }, 1);
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
    c.handoff.deliverRelayed('s', d, 1); // no session here: it waits
    expect(c.sent).toEqual([]);
    c.handoff.pointTo('s', 'b');
    c.handoff.deliverRelayed('s', d, 1);
    expect(c.sent.map((x) => [x.node, x.hops])).toEqual([['b', 2], ['b', 2]]);
    c.handoff.close();
  });
});
