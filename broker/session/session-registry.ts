// Owns the sessions of this node by client id: opening (resume or clean start), the end of a
// connection (will, expiry), the end of a session, hand-over to another node, restore from a
// snapshot or the store, and what a stored session's record and whole state are for the journal.
import { createMessage } from '../routing/message.js';
import type { Message } from '../routing/message.js';
import type { Subscription, SubscriptionTable } from '../routing/subscription-table.js';
import { parseSharedFilter } from '../routing/topic.js';
import type { SessionState, StoredDelivery, StoredSubscription } from '../store/store.js';
import type { JournalSubject } from '../store/write-journal.js';
import { SafeTimer } from '../util/safe-timer.js';
import { Session } from './session.js';
import type { DeliveryInterceptor, SessionContext } from './session.js';

/** 0xFFFFFFFF seconds: the session never expires [MQTT-3.1.2-?, Session Expiry Interval]. */
export const NEVER_EXPIRES = 0xffffffff;

export interface SessionHooks {
  /** Publishes a will message (through routing, as if the client had published it). */
  /** `username`: the will's client, whose ACL applies (its session may be gone already). */
  publishWill(message: Message, username: string | undefined): void;
  /** Hands a departing shared-subscription member's undelivered messages to other members. */
  redispatch(clientId: string, pending: StoredDelivery[], removed: Subscription[]): void;
  /** The session is gone from this node for good (not replaced by a clean start of its client). */
  sessionEnded?(clientId: string): void;
}

interface Timers {
  expiry: SafeTimer | undefined;
  will: SafeTimer | undefined;
}

/** How often queued messages with an expiry are looked at (they go when they expire, here and in the store). */
const EXPIRY_SWEEP_MS = 1000;

/**
 * How much longer than its session the store keeps a stored session: its owner ends it itself at
 * expiry (and publishes its will first, which needs the stored record); the store's own expiry is
 * the backstop for a session whose owner is gone and nobody adopted.
 */
export const STORE_EXPIRY_GRACE_MS = 30_000;

/**
 * When the stored session expires in the store (ms since the epoch): 0 while connected, when it
 * never expires, and for a session that ends with its connection (stored only for its will, it is
 * deleted when it ends).
 */
export function storeExpiryOf(session: Session): number {
  if (session.disconnectedAt === undefined || session.expiryInterval === NEVER_EXPIRES || session.expiryInterval === 0) return 0;
  return session.disconnectedAt + session.expiryInterval * 1000 + STORE_EXPIRY_GRACE_MS;
}

export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #timers = new Map<string, Timers>();
  readonly #ctx: SessionContext;
  readonly #table: SubscriptionTable;
  readonly #hooks: SessionHooks;
  /** Sessions holding queued messages with an expiry (swept every EXPIRY_SWEEP_MS). */
  readonly #expiring = new Set<Session>();
  #expirySweep: NodeJS.Timeout | undefined;
  /** Sessions left behind as relays to the node that took them (session-handoff.ts): not held here. */
  #relays = 0;

  constructor(ctx: SessionContext, table: SubscriptionTable, hooks: SessionHooks) {
    this.#ctx = ctx;
    this.#table = table;
    this.#hooks = hooks;
  }

  /** A session queued a message with an expiry (SessionContext.expiringQueued). */
  expiringQueued(session: Session): void {
    this.#expiring.add(session);
    if (this.#expirySweep === undefined) {
      this.#expirySweep = setInterval(() => this.#sweepExpired(), EXPIRY_SWEEP_MS);
      this.#expirySweep.unref();
    }
  }

  #sweepExpired(): void {
    const now = this.#ctx.now();
    for (const session of this.#expiring) {
      if (this.#sessions.get(session.clientId) !== session || !session.dropExpiredQueued(now)) this.#expiring.delete(session);
    }
    if (this.#expiring.size === 0) {
      clearInterval(this.#expirySweep);
      this.#expirySweep = undefined;
    }
  }

  /** Sessions held here (relays to another node's session not counted). */
  get size(): number {
    return this.#sessions.size - this.#relays;
  }

  get(clientId: string): Session | undefined {
    return this.#sessions.get(clientId);
  }

  values(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /**
   * The session for a new connection: a new one, the existing one resumed (present), or with
   * Clean Start the existing one ended first [MQTT-3.1.2-4/5].
   */
  open(clientId: string, cleanStart: boolean): { session: Session; present: boolean } {
    let existing = this.#sessions.get(clientId);
    if (existing?.handoff?.relaying === true) {
      // The client is back before its relay ended: whatever it had lives on the node it went to.
      this.dropRelay(clientId);
      existing = undefined;
    }
    if (existing !== undefined) {
      this.#cancelTimers(clientId, /* keepWill */ false);
      if (!cleanStart) return { session: existing, present: true };
      this.end(existing, true);
    }
    const session = new Session(clientId, this.#ctx);
    this.#sessions.set(clientId, session);
    return { session, present: false };
  }

  /**
   * The connection of a session ended. `sendWill`: it did not end with a normal DISCONNECT
   * [MQTT-3.1.2-8/10]. The will waits for its delay unless the session ends first [MQTT-3.1.3-9].
   */
  connectionClosed(session: Session, sendWill: boolean): void {
    const now = this.#ctx.now();
    session.detach(now);
    if (!sendWill) session.will = undefined;
    if (session.expiryInterval === 0) {
      this.end(session);
      return;
    }
    const timers = this.#timersOf(session.clientId);
    const will = session.will;
    if (will !== undefined) {
      if (will.delayInterval === 0) this.#fireWill(session);
      else {
        timers.will ??= new SafeTimer(() => this.#fireWill(session), this.#ctx.now);
        timers.will.schedule(will.delayInterval * 1000);
      }
    }
    if (session.expiryInterval !== NEVER_EXPIRES) {
      timers.expiry ??= new SafeTimer(() => this.end(session), this.#ctx.now);
      timers.expiry.schedule(session.expiryInterval * 1000);
    }
    this.writeRecord(session);
  }

  /** The session's record (and when it expires in the store) goes to the journal. */
  writeRecord(session: Session): void {
    if (session.fence !== 0) this.#ctx.journal.op(session, { k: 'record', record: session.record(), expiresAt: storeExpiryOf(session) });
  }

  /**
   * Ends a session: its will (if still pending) goes out, shared messages move on, state is
   * dropped. `replaced`: a clean start of the same client id takes its place at once.
   */
  end(session: Session, replaced = false): void {
    if (this.#sessions.get(session.clientId) !== session) return;
    this.#cancelTimers(session.clientId, false);
    this.#sessions.delete(session.clientId);
    if (session.will !== undefined && !session.connected) this.#fireWill(session);
    const pending = session.takePending();
    const removed = this.#table.removeClient(session.clientId);
    if (pending.length > 0) this.#hooks.redispatch(session.clientId, pending, removed);
    if (session.fence !== 0) {
      this.#ctx.journal.op(session, { k: 'delete' });
      this.#ctx.journal.index(this.#ctx.nodeName, session.clientId, false);
    }
    if (!replaced) this.#hooks.sessionEnded?.(session.clientId);
  }

  /**
   * Takeover by another node: the session leaves this node whole — no will, no re-dispatch —
   * and its snapshot goes to the new owner with its fence. The store's copy stays (the new owner
   * takes it over under a new fence); this resolves once this node's writes of it have been tried,
   * so the new owner's cannot be overtaken by them.
   */
  async handOver(clientId: string): Promise<SessionState | null> {
    const session = this.#sessions.get(clientId);
    if (session === undefined) return null;
    if (session.handoff?.relaying === true) {
      this.dropRelay(clientId);
      return null;
    }
    // A will still waiting for its delay goes along: the new owner sends it if the session ends
    // before its client resumes it, and drops it if it resumes [MQTT-3.1.3-9].
    const state = this.#stateOf(session);
    this.#cancelTimers(clientId, false);
    this.#sessions.delete(clientId);
    this.#table.removeClient(clientId);
    this.#expiring.delete(session);
    await this.#ctx.journal.settled();
    this.#ctx.journal.forget(session);
    return state;
  }

  /**
   * Takeover by a node that accepts relays (session-handoff.ts): as handOver, but the session stays
   * here emptied, its subscriptions (and so this node's routes) kept, for the caller to make it a
   * relay (`relay`, set in the same turn as the snapshot): what still reaches this node for it goes on
   * to the new owner until that one's routes are known everywhere. The relay writes nothing to the
   * store (the new owner takes it there under a new fence). Undefined when there is no such session.
   */
  async handOverKeepingRoutes(clientId: string, relay: DeliveryInterceptor): Promise<SessionState | undefined> {
    const session = this.#sessions.get(clientId);
    if (session === undefined || session.handoff?.relaying === true) return undefined;
    const state = this.#stateOf(session);
    this.#cancelTimers(clientId, false);
    session.reset();
    session.expiryInterval = 0;
    session.fence = 0;
    this.#expiring.delete(session);
    this.#relays++;
    // A relay from the same turn as the snapshot on: whatever arrives next goes on to the new owner.
    session.handoff = relay;
    // Its writes queued so far are tried first: the new owner's cannot be overtaken by them.
    await this.#ctx.journal.settled();
    this.#ctx.journal.forget(session);
    return state;
  }

  /** Ends a relay left by handOverKeepingRoutes: its subscriptions (and routes, if last) go. */
  dropRelay(clientId: string): boolean {
    const session = this.#sessions.get(clientId);
    if (session?.handoff?.relaying !== true) return false;
    this.#sessions.delete(clientId);
    this.#relays--;
    this.#table.removeClient(clientId);
    return true;
  }

  /**
   * The store gave this session to another node (its fence moved on): it leaves this node with
   * nothing written and nothing published; the new owner has it. Returns false if it was not here.
   */
  dropFenced(subject: JournalSubject): boolean {
    const session = this.#sessions.get(subject.clientId);
    if (session === undefined || session !== subject) return false;
    this.#cancelTimers(session.clientId, false);
    this.#sessions.delete(session.clientId);
    this.#table.removeClient(session.clientId);
    this.#expiring.delete(session);
    session.fence = 0;
    return true;
  }

  /** A stored session's whole state as this node holds it (the journal's rewrite after a failed write). */
  stateForStore(subject: JournalSubject): { state: SessionState; expiresAt: number; owner: string } | undefined {
    const session = this.#sessions.get(subject.clientId);
    if (session === undefined || session !== subject || !session.storesData) {
      // A clean session that is stored only for its will keeps just its record.
      if (session !== undefined && session === subject && session.fence !== 0) {
        return { state: { record: session.record(), subscriptions: [], queue: [], inflight: [], incomingQos2: [] }, expiresAt: storeExpiryOf(session), owner: this.#ctx.nodeName };
      }
      return undefined;
    }
    return { state: this.#stateOf(session), expiresAt: storeExpiryOf(session), owner: this.#ctx.nodeName };
  }

  /** The whole state of a session held here, as a hand-over or the store carries it. */
  snapshotOf(session: Session): SessionState {
    return this.#stateOf(session);
  }

  #stateOf(session: Session): SessionState {
    return { record: session.record(), subscriptions: this.#subscriptionsOf(session.clientId), ...session.snapshot() };
  }

  #subscriptionsOf(clientId: string): StoredSubscription[] {
    const subscriptions: StoredSubscription[] = [];
    for (const sub of this.#table.subscriptionsOf(clientId)) {
      subscriptions.push({
        filter: sub.filter, qos: sub.qos, noLocal: sub.noLocal, retainAsPublished: sub.retainAsPublished,
        retainHandling: sub.retainHandling, subscriptionId: sub.subscriptionId,
      });
    }
    return subscriptions;
  }

  /**
   * A session from a snapshot (takeover) or from the store (a resumed or adopted session), offline.
   * `fence`: the fence this node now holds it under (0: not stored under one of this node's yet).
   */
  restore(state: SessionState, fence = 0): Session {
    const { record } = state;
    if (this.#sessions.get(record.clientId)?.handoff?.relaying === true) this.dropRelay(record.clientId);
    const previous = this.#sessions.get(record.clientId);
    if (previous !== undefined) {
      // A newer copy (a takeover from the node that owned it since) replaces a stale one.
      this.#cancelTimers(record.clientId, false);
      this.#table.removeClient(record.clientId);
      this.#expiring.delete(previous);
    }
    const session = new Session(record.clientId, this.#ctx);
    session.fence = fence;
    session.username = record.username;
    session.protocolVersion = record.protocolVersion;
    session.expiryInterval = record.expiryInterval;
    session.will = record.will;
    session.restore(state);
    this.#sessions.set(record.clientId, session);
    for (const s of state.subscriptions) this.#table.add(toSubscription(record.clientId, s));
    const now = this.#ctx.now();
    const disconnectedAt = record.disconnectedAt ?? now;
    session.detach(disconnectedAt);
    if (record.expiryInterval !== NEVER_EXPIRES) {
      const timers = this.#timersOf(record.clientId);
      timers.expiry = new SafeTimer(() => this.end(session), this.#ctx.now);
      timers.expiry.schedule(disconnectedAt + record.expiryInterval * 1000 - now);
    }
    if (record.will !== undefined) {
      const timers = this.#timersOf(record.clientId);
      timers.will = new SafeTimer(() => this.#fireWill(session), this.#ctx.now);
      timers.will.schedule(disconnectedAt + record.will.delayInterval * 1000 - now);
    }
    return session;
  }

  /**
   * Broker stop with a store that does not outlive the process: every session dies with it, so
   * every will still held (connected clients, and those waiting out a Will Delay) goes out now
   * [MQTT-3.1.2-8], [MQTT-3.1.3-9]. With a durable store the wills stay with their sessions.
   */
  publishWillsOnShutdown(): number {
    let published = 0;
    for (const session of this.#sessions.values()) {
      if (session.will === undefined) continue;
      this.#fireWill(session);
      published++;
    }
    return published;
  }

  /**
   * Broker stop with a durable store: every session stays in the store as it is now — connected ones
   * as disconnected now, their wills kept (a survivor publishes them if their clients do not come
   * back in time) — and leaves this node without a will published or a store delete.
   */
  releaseAllForShutdown(): void {
    const now = this.#ctx.now();
    for (const session of this.#sessions.values()) {
      if (session.handoff?.relaying === true) continue;
      if (session.disconnectedAt === undefined) session.detach(now);
      this.writeRecord(session);
    }
    this.close();
    this.#sessions.clear();
  }

  /** Stops every timer (broker stop); sessions stay as the store has them. */
  close(): void {
    for (const clientId of this.#timers.keys()) this.#cancelTimers(clientId, false);
    clearInterval(this.#expirySweep);
    this.#expirySweep = undefined;
    this.#expiring.clear();
  }

  #fireWill(session: Session): void {
    const will = session.will;
    session.will = undefined;
    const timers = this.#timers.get(session.clientId);
    timers?.will?.cancel();
    if (will === undefined) return;
    // [MQTT-3.1.3-?] Will Message Expiry Interval: the will's life starts when it is published.
    const expiry = will.expiryInterval;
    const message = expiry === undefined ? will.message : createMessage({ ...will.message, expiresAt: this.#ctx.now() + expiry * 1000 });
    if (session.fence === 0) {
      this.#hooks.publishWill(message, session.username);
      return;
    }
    // A stored session's will goes out once its record without it is stored under this node's
    // fence: if another node took the session meanwhile (its client came back there), the write is
    // refused and the will is not published, so exactly one node publishes it, or none.
    this.writeRecord(session);
    const username = session.username;
    this.#ctx.journal.onWritten(session, (outcome) => {
      if (outcome === 'fenced') return;
      if (outcome === 'failed') this.#ctx.logger.warn('publishing a will whose removal could not be stored', { clientId: session.clientId });
      this.#hooks.publishWill(message, username);
    });
  }

  #timersOf(clientId: string): Timers {
    let t = this.#timers.get(clientId);
    if (t === undefined) {
      t = { expiry: undefined, will: undefined };
      this.#timers.set(clientId, t);
    }
    return t;
  }

  #cancelTimers(clientId: string, keepWill: boolean): void {
    const t = this.#timers.get(clientId);
    if (t === undefined) return;
    t.expiry?.cancel();
    if (!keepWill) t.will?.cancel();
    this.#timers.delete(clientId);
  }
}

/** A stored subscription back in the table's shape; a stored `$share/...` filter was valid when made. */
function toSubscription(clientId: string, s: StoredSubscription): Subscription {
  const shared = parseSharedFilter(s.filter);
  const share = shared !== undefined && !('error' in shared) ? shared : undefined;
  return {
    clientId, filter: s.filter, qos: s.qos, noLocal: s.noLocal, retainAsPublished: s.retainAsPublished,
    retainHandling: s.retainHandling, subscriptionId: s.subscriptionId,
    shareGroup: share?.group, topicFilter: share?.topicFilter ?? s.filter,
  };
}
