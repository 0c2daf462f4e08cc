// Sessions moving between nodes without losing or doubling a QoS 1/2 message. The node that gives a
// session up keeps its subscriptions (so its routes) as a relay: what still reaches it for the session
// goes on to the new owner (acknowledged end to end: relay-acks.ts), until the new owner's routes are
// known to every peer and whatever peers sent here before that has arrived. The new owner drops a
// message it already has by its identity (origin node, origin sequence number). Rules: INVARIANTS.md "Hand-off".
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Message } from '../routing/message.js';
import type { StoredDelivery } from '../store/store.js';
import type { SessionSnapshot } from './cluster-seam.js';
import { DedupeWindow, RelayOut, type HandoffOwner } from './handoff-interceptors.js';
import type { Session } from './session.js';
import type { SessionRegistry } from './session-registry.js';
import { RelayAcks } from './relay-acks.js';
import { RelayInbox, type JournalWaits } from './relay-inbox.js';
import { SeenMessages } from './seen-messages.js';

/** How the hand-off reaches other nodes (the cluster's side, handoff-link.ts). */
export interface HandoffTransport {
  /** The node takes relays and acknowledges imports (it announced so in its heartbeats). */
  relayCapable(node: string): boolean;
  /** The node acknowledges relayed deliveries (hand-off version 2). */
  acksRelays(node: string): boolean;
  /**
   * One delivery for `clientId`, now owned by `node`; false when it cannot be sent (no link). `ack`: the
   * id `node` answers once it holds it (SessionHandoff.relayAcked); undefined: nothing waits for it.
   */
  sendRelay(node: string, clientId: string, delivery: StoredDelivery, hops: number, ack: number | undefined): boolean;
  /** A session came here from `from`, which relays meanwhile (`relay`): make our routes known, then tell it. */
  imported(clientId: string, from: string, relay: number): void;
  /**
   * Resolves once every peer that speaks the protocol has answered a route barrier sent now (or it timed
   * out): whatever a peer sent this node before applying our route changes so far has arrived.
   */
  barrier(): Promise<void>;
}

export interface SessionHandoffDeps {
  readonly nodeName: string;
  readonly registry: SessionRegistry;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Late-bound: the cluster starts after the broker is built; undefined on a single node. */
  readonly transport: () => HandoffTransport | undefined;
  /** The store's write journal: a relayed delivery held for its session is acknowledged once stored. */
  readonly journal?: JournalWaits;
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
/** A relay of a relay of a relay...: a session moving faster than its relays is given up on. */
const MAX_HOPS = 4;
const SWEEP_MS = 1_000;
/**
 * A relayed delivery its new owner has not acknowledged by then fails (its publisher is not acknowledged;
 * the publisher's node fails the forward at its own ackTimeoutMs, 10 s, anyway): this frees what waits.
 */
const RELAY_ACK_TIMEOUT_MS = 15_000;

interface Relay { readonly id: number; readonly node: string; readonly session: Session; readonly since: number }

export class SessionHandoff implements HandoffOwner {
  readonly #d: SessionHandoffDeps;
  readonly #relays = new Map<string, Relay>();
  readonly #pointers = new Map<string, { node: string; until: number }>();
  readonly #inbox: RelayInbox;
  /** Imported sessions still checking for copies, so the sweep frees their identities once it ends. */
  readonly #windows = new Map<Session, DedupeWindow>();
  /** Hops of the relayed delivery being handled (deliverRelayed), for a relay that passes it on. */
  #hops = 0;
  #nextRelayId = 1;
  /** Relays their new owner confirmed, waiting for this node's own route barrier before they end. */
  #confirmed: Array<{ clientId: string; relay: Relay }> = [];
  readonly #ending = new Set<Relay>();
  readonly #timer: NodeJS.Timeout;
  /** Relayed deliveries awaiting their new owner's acknowledgement, and the publishes waiting on them. */
  readonly acks: RelayAcks;

  constructor(deps: SessionHandoffDeps) {
    this.#d = deps;
    this.acks = new RelayAcks(deps.now);
    this.#inbox = new RelayInbox(this.acks, deps.now, deps.journal);
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
    if (state === undefined) {
      // Not handed over after all: no relay for a drain to wait on.
      if (this.#relays.get(clientId)?.id === id) this.#relays.delete(clientId);
      return null;
    }
    return { ...state, handoff: { from: this.#d.nodeName, relay: id, seen } };
  }

  /**
   * The session's new owner (the node it went to, or one it was passed on to) has made its routes
   * known everywhere: relay `id` may end, its subscriptions here go — once this node's own route
   * barrier has passed. A peer's forward sent before it applied the new owner's routes may still be on
   * its way here (links are FIFO one by one, not across): the barrier's answer comes after it.
   */
  endRelay(clientId: string, id: number): void {
    const relay = this.#relays.get(clientId);
    if (relay === undefined || relay.id !== id || this.#ending.has(relay)) return;
    const transport = this.#d.transport();
    if (transport === undefined) { this.#end(clientId, relay); return; }
    this.#ending.add(relay);
    this.#confirmed.push({ clientId, relay });
    if (this.#confirmed.length > 1) return;
    // One barrier for the confirmations of this turn (a drain confirms thousands at once).
    setImmediate(() => {
      const batch = this.#confirmed;
      this.#confirmed = [];
      transport.barrier().then(() => {
        for (const { clientId: c, relay: r } of batch) {
          this.#ending.delete(r);
          if (this.#relays.get(c) === r) this.#end(c, r);
        }
      }, (err: unknown) => this.#d.logger.error('route barrier failed; relays end at their time bound', { err }));
    });
  }

  /**
   * A snapshot this node only passed through (it claimed, then yielded to a higher claim) went to
   * `node`: relays reaching this node for that client follow it there.
   */
  pointTo(clientId: string, node: string): void {
    this.#pointers.set(clientId, { node, until: this.#d.now() + POINTER_MS });
    this.#inbox.release(clientId, (held) => this.#send(node, clientId, held.delivery, held.hops + 1));
  }

  /** Ends every relay (this node leaves the mesh: nothing reaches it any more). */
  endAll(): void {
    this.#ending.clear();
    for (const [clientId, relay] of [...this.#relays]) this.#end(clientId, relay);
    this.#pointers.clear();
  }

  /**
   * A delivery relayed by the node `clientId` came from: to the session here, or on to where it went.
   * Undefined when it is held (delivered or queued); else a promise that settles when it is (relayed
   * on and acknowledged there, or out of the inbox), and rejects when it is not: only then may the
   * node that relayed it be told it is held here.
   */
  deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): Promise<void> | undefined {
    const token = this.acks.begin();
    this.#deliverRelayed(clientId, delivery, hops);
    return this.acks.end(token);
  }

  /** The node a relay went to holds these deliveries (`ok`), or refused them. */
  relayAcked(node: string, ids: readonly number[], ok: boolean): void {
    this.acks.answered(node, ids, ok);
  }

  /** The link to `node` closed: relayed deliveries it had not acknowledged fail. */
  relayLinkDown(node: string): void {
    this.acks.linkDown(node);
  }

  #deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): void {
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
    if (this.#inbox.add(clientId, delivery, hops)) return;
    this.#d.metrics.messagesDropped.inc({ reason: 'handoff' });
    this.acks.failCurrent('too many relayed deliveries wait for their session');
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
    this.#inbox.release(clientId, (held) => this.#deliverRelayed(clientId, held.delivery, held.hops));
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
    const expired = this.#inbox.sweep();
    if (expired > 0) this.#d.metrics.messagesDropped.inc({ reason: 'handoff' }, expired);
    const unacknowledged = this.acks.sweep(RELAY_ACK_TIMEOUT_MS);
    if (unacknowledged > 0) this.#d.metrics.handoffUnacknowledged.inc(unacknowledged);
  }

  close(): void { clearInterval(this.#timer); }

  #send(node: string, clientId: string, delivery: StoredDelivery, hops: number): void {
    const transport = this.#d.transport();
    // Acknowledged end to end when a publish waits on this dispatch and the node can say it holds it.
    const ack = transport !== undefined && hops <= MAX_HOPS && delivery.qos > 0 && this.acks.tracking && transport.acksRelays(node) ? this.acks.expect(node) : undefined;
    if (hops > MAX_HOPS || transport === undefined || !transport.sendRelay(node, clientId, delivery, hops, ack)) {
      this.#d.metrics.messagesDropped.inc({ reason: 'handoff' });
      const why = `a relayed delivery for ${clientId} could not be sent to ${node}`;
      if (ack !== undefined) this.acks.answered(node, [ack], false, why);
      else this.acks.failCurrent(why);
      return;
    }
    this.#d.metrics.handoffRelayed.inc();
  }

  #end(clientId: string, relay: Relay): void {
    this.#ending.delete(relay);
    this.#relays.delete(clientId);
    if (this.#d.registry.get(clientId) === relay.session) this.#d.registry.dropRelay(clientId);
    this.#pointers.set(clientId, { node: relay.node, until: this.#d.now() + POINTER_MS });
  }
}

function addIdentity(seen: SeenMessages, message: Message): void {
  if (message.qos > 0 && message.originSeq !== undefined && message.originSeq > 0) seen.add(message.originNode, message.originSeq);
}
