// Sessions moving between nodes without losing or doubling a QoS 1/2 message. The node that gives a
// session up keeps its subscriptions (so its routes) as a relay: what still reaches it for the session
// goes on to the new owner, until the new owner has made its own routes known to every peer (it then
// says so: endRelay). The new owner drops a message it already has — it can arrive both directly and
// relayed — by its identity (origin node, origin sequence number). The rules: INVARIANTS.md "Hand-off".
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Message, QoS } from '../routing/message.js';
import type { StoredDelivery } from '../store/store.js';
import type { SessionSnapshot } from './cluster-seam.js';
import type { DeliveryInterceptor, Session } from './session.js';
import type { SessionRegistry } from './session-registry.js';
import { SeenMessages } from './seen-messages.js';

/** How the hand-off reaches other nodes (the cluster's side, handoff-link.ts). */
export interface HandoffTransport {
  /** The node takes relays and acknowledges imports (it announced so in its heartbeats). */
  relayCapable(node: string): boolean;
  /** One delivery for `clientId`, now owned by `node`; false when it cannot be sent (no link). */
  sendRelay(node: string, clientId: string, delivery: StoredDelivery, hops: number): boolean;
  /** A session came here from `from`, which relays meanwhile (`relay`): make our routes known, then tell it. */
  imported(clientId: string, from: string, relay: number): void;
}

export interface SessionHandoffDeps {
  readonly nodeName: string;
  readonly registry: SessionRegistry;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Late-bound: the cluster starts after the broker is built; undefined on a single node. */
  readonly transport: () => HandoffTransport | undefined;
}

/**
 * How long a new owner checks for copies it already has: a copy can come twice only while the old
 * owner relays (until the route barrier, at most barrierTimeoutMs, 5 s) and for what is in flight then.
 */
const DEDUPE_WINDOW_MS = 15_000;
/** A relay whose new owner never confirmed ends anyway (that node may have died). */
const RELAY_MAX_MS = 30_000;
/** After a relay ended, relayed deliveries still in flight to here are passed on for this long. */
const POINTER_MS = 10_000;
/** Relayed deliveries for a session not imported yet (its grant is being processed) wait this long. */
const INBOX_MS = 5_000;
const INBOX_MAX = 100_000;
/** A relay of a relay of a relay...: a session moving faster than its relays is given up on. */
const MAX_HOPS = 4;
const SWEEP_MS = 1_000;

interface Relay { readonly id: number; readonly node: string; readonly session: Session; readonly since: number }

/** The new owner's check: each message identity is delivered once while the window lasts. */
class DedupeWindow implements DeliveryInterceptor {
  readonly relaying = false;
  constructor(readonly seen: SeenMessages, readonly until: number, readonly owner: SessionHandoff) {}
  intercept(session: Session, message: Message, qos: QoS): boolean {
    const seq = message.originSeq;
    if (qos === 0 || seq === undefined || seq === 0) return false;
    if (this.owner.now() > this.until) {
      session.handoff = undefined;
      return false;
    }
    if (this.seen.add(message.originNode, seq)) return false;
    this.owner.duplicateDropped();
    return true;
  }
}

class RelayOut implements DeliveryInterceptor {
  readonly relaying = true;
  constructor(readonly node: string, readonly owner: SessionHandoff) {}
  intercept(session: Session, message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined, shareGroup: string | undefined): boolean {
    this.owner.relay(this.node, session.clientId, { message, qos, retain, subscriptionIds, shareGroup });
    return true;
  }
}

export class SessionHandoff {
  readonly #d: SessionHandoffDeps;
  readonly #relays = new Map<string, Relay>();
  readonly #pointers = new Map<string, { node: string; until: number }>();
  readonly #inbox = new Map<string, { since: number; deliveries: Array<{ delivery: StoredDelivery; hops: number }> }>();
  #inboxSize = 0;
  /** Imported sessions still checking for copies, so the sweep frees their identities once it ends. */
  readonly #windows = new Map<Session, DedupeWindow>();
  /** Hops of the relayed delivery being handled (deliverRelayed), for a relay that passes it on. */
  #hops = 0;
  #nextRelayId = 1;
  readonly #timer: NodeJS.Timeout;

  constructor(deps: SessionHandoffDeps) {
    this.#d = deps;
    this.#timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.#timer.unref();
  }

  now(): number { return this.#d.now(); }
  get relayCount(): number { return this.#relays.size; }
  /** Relays not yet confirmed by their new owner. */
  relaysTo(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.#relays.values()) out.set(r.node, (out.get(r.node) ?? 0) + 1);
    return out;
  }

  /** Whether taking `clientId` over for `node` can leave a relay (both ends speak the hand-off protocol). */
  canRelayTo(node: string | undefined): boolean {
    return node !== undefined && this.#d.transport()?.relayCapable(node) === true;
  }

  /**
   * Gives the session up to `node`, leaving a relay: the snapshot carries what the session has seen,
   * so the new owner drops copies. Null when there is no such session here.
   */
  async relayOut(clientId: string, node: string): Promise<SessionSnapshot | null> {
    const current = this.#d.registry.get(clientId);
    const seen = current?.handoff instanceof DedupeWindow ? current.handoff.seen.toRecord() : {};
    this.#pointers.delete(clientId);
    const relay = new RelayOut(node, this);
    const id = this.#nextRelayId++;
    const handedOver = this.#d.registry.handOverKeepingRoutes(clientId, relay);
    // Counted as pending from the turn the relay takes over (the session stops counting as held then),
    // not once the store settled: a drain must not leave before the new owner confirms it.
    const relaying = this.#d.registry.get(clientId);
    if (relaying?.handoff === relay) this.#relays.set(clientId, { id, node, session: relaying, since: this.#d.now() });
    const state = await handedOver;
    if (state === undefined) return null;
    return { ...state, handoff: { from: this.#d.nodeName, relay: id, seen } };
  }

  /**
   * The session's new owner (the node it went to, or one it was passed on to) has made its routes
   * known everywhere: relay `id` may end, its subscriptions here go.
   */
  endRelay(clientId: string, id: number): void {
    const relay = this.#relays.get(clientId);
    if (relay === undefined || relay.id !== id) return;
    this.#end(clientId, relay);
  }

  /**
   * A snapshot this node only passed through (it claimed, then yielded to a higher claim) went to
   * `node`: relays reaching this node for that client follow it there.
   */
  pointTo(clientId: string, node: string): void {
    this.#pointers.set(clientId, { node, until: this.#d.now() + POINTER_MS });
    const box = this.#inbox.get(clientId);
    if (box === undefined) return;
    this.#inbox.delete(clientId);
    this.#inboxSize -= box.deliveries.length;
    for (const { delivery, hops } of box.deliveries) this.#send(node, clientId, delivery, hops + 1);
  }

  /** Ends every relay (this node leaves the mesh: nothing reaches it any more). */
  endAll(): void {
    for (const [clientId, relay] of [...this.#relays]) this.#end(clientId, relay);
    this.#pointers.clear();
  }

  /** A delivery relayed by the node `clientId` came from: to the session here, or on to where it went. */
  deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): void {
    const session = this.#d.registry.get(clientId);
    if (session !== undefined) {
      this.#hops = hops;
      try {
        session.deliver(delivery.message, delivery.qos, delivery.retain, delivery.subscriptionIds, delivery.shareGroup, undefined);
      } finally {
        this.#hops = 0;
      }
      return;
    }
    const pointer = this.#pointers.get(clientId);
    if (pointer !== undefined) { this.#send(pointer.node, clientId, delivery, hops + 1); return; }
    // Its grant may be in the same read, ahead of the import that completes in a later microtask.
    if (this.#inboxSize >= INBOX_MAX) { this.#d.metrics.messagesDropped.inc({ reason: 'handoff' }); return; }
    let box = this.#inbox.get(clientId);
    if (box === undefined) this.#inbox.set(clientId, (box = { since: this.#d.now(), deliveries: [] }));
    box.deliveries.push({ delivery, hops });
    this.#inboxSize++;
  }

  /**
   * `snapshot` was just restored here as `clientId`'s session (a takeover or a drain hand-off). If its
   * old owner relays, copies are checked for a while and the old owner is told once our routes are out.
   */
  imported(clientId: string, snapshot: SessionSnapshot): void {
    const session = this.#d.registry.get(clientId);
    const handoff = snapshot.handoff;
    if (session !== undefined && handoff !== undefined) {
      const seen = SeenMessages.fromRecord(handoff.seen);
      for (const d of snapshot.queue) addIdentity(seen, d.message);
      for (const d of snapshot.inflight) addIdentity(seen, d.message);
      const window = new DedupeWindow(seen, this.#d.now() + DEDUPE_WINDOW_MS, this);
      session.handoff = window;
      this.#windows.set(session, window);
    }
    this.#flushInbox(clientId);
    if (handoff !== undefined) this.#d.transport()?.imported(clientId, handoff.from, handoff.relay);
  }

  /**
   * This node starts draining: every session it holds remembers what it is delivered from now on, so
   * its next owner can drop copies that reach it directly as well.
   */
  recordDeliveries(until = Number.MAX_SAFE_INTEGER): void {
    for (const session of this.#d.registry.values()) {
      if (session.handoff === undefined) session.handoff = new DedupeWindow(new SeenMessages(), until, this);
    }
  }

  /** Called by a RelayOut. QoS 0 is not relayed: at most once, it may be lost in the hand-off. */
  relay(node: string, clientId: string, delivery: StoredDelivery): void {
    if (delivery.qos === 0) { this.#d.metrics.messagesDropped.inc({ reason: 'handoff' }); return; }
    this.#send(node, clientId, delivery, this.#hops + 1);
  }

  duplicateDropped(): void { this.#d.metrics.handoffDuplicates.inc(); }

  sweep(): void {
    const now = this.#d.now();
    for (const [clientId, relay] of [...this.#relays]) {
      if (now - relay.since < RELAY_MAX_MS) continue;
      this.#d.logger.warn('a relay ended unconfirmed by the node that took the session', { clientId, node: relay.node });
      this.#end(clientId, relay);
    }
    for (const [clientId, p] of this.#pointers) if (p.until <= now) this.#pointers.delete(clientId);
    for (const [session, window] of this.#windows) {
      if (window.until > now && session.handoff === window) continue;
      if (session.handoff === window) session.handoff = undefined;
      this.#windows.delete(session);
    }
    for (const [clientId, box] of this.#inbox) {
      if (now - box.since < INBOX_MS) continue;
      this.#inbox.delete(clientId);
      this.#inboxSize -= box.deliveries.length;
      this.#d.metrics.messagesDropped.inc({ reason: 'handoff' }, box.deliveries.length);
    }
  }

  close(): void { clearInterval(this.#timer); }

  #send(node: string, clientId: string, delivery: StoredDelivery, hops: number): void {
    const transport = this.#d.transport();
    if (hops > MAX_HOPS || transport === undefined || !transport.sendRelay(node, clientId, delivery, hops)) {
      this.#d.metrics.messagesDropped.inc({ reason: 'handoff' });
      return;
    }
    this.#d.metrics.handoffRelayed.inc();
  }

  #end(clientId: string, relay: Relay): void {
    this.#relays.delete(clientId);
    if (this.#d.registry.get(clientId) === relay.session) this.#d.registry.dropRelay(clientId);
    this.#pointers.set(clientId, { node: relay.node, until: this.#d.now() + POINTER_MS });
  }

  #flushInbox(clientId: string): void {
    const box = this.#inbox.get(clientId);
    if (box === undefined) return;
    this.#inbox.delete(clientId);
    this.#inboxSize -= box.deliveries.length;
    for (const { delivery, hops } of box.deliveries) this.deliverRelayed(clientId, delivery, hops);
  }
}

function addIdentity(seen: SeenMessages, message: Message): void {
  if (message.qos > 0 && message.originSeq !== undefined && message.originSeq > 0) seen.add(message.originNode, message.originSeq);
}
