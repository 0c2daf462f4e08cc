// Owns the sessions of this node by client id: opening (resume or clean start), the end of a
// connection (will, expiry), the end of a session, and restore from the store at start.
import { createMessage } from '../routing/message.js';
import type { Message } from '../routing/message.js';
import type { Subscription, SubscriptionTable } from '../routing/subscription-table.js';
import { parseSharedFilter } from '../routing/topic.js';
import type { SessionState, StoredDelivery, StoredSubscription } from '../store/store.js';
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

export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #timers = new Map<string, Timers>();
  readonly #ctx: SessionContext;
  readonly #table: SubscriptionTable;
  readonly #hooks: SessionHooks;
  /** Sessions left behind as relays to the node that took them (session-handoff.ts): not held here. */
  #relays = 0;

  constructor(ctx: SessionContext, table: SubscriptionTable, hooks: SessionHooks) {
    this.#ctx = ctx;
    this.#table = table;
    this.#hooks = hooks;
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
    this.#persist(this.#ctx.store.saveSession(session.record()));
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
    this.#persist(this.#ctx.store.deleteSession(session.clientId));
    if (!replaced) this.#hooks.sessionEnded?.(session.clientId);
  }

  /**
   * Takeover by another node: the session leaves this node whole — no will, no re-dispatch —
   * and its snapshot goes to the new owner. Resolves once the store no longer holds it here, so
   * the new owner's writes cannot be overtaken by this node's delete.
   */
  async handOver(clientId: string): Promise<SessionState | null> {
    const session = this.#sessions.get(clientId);
    if (session === undefined) return null;
    if (session.handoff?.relaying === true) {
      this.dropRelay(clientId);
      return null;
    }
    const subscriptions = this.#subscriptionsOf(clientId);
    // A will still waiting for its delay goes along: the new owner sends it if the session ends
    // before its client resumes it, and drops it if it resumes [MQTT-3.1.3-9].
    const state: SessionState = { record: session.record(), subscriptions, ...session.snapshot() };
    this.#cancelTimers(clientId, false);
    this.#sessions.delete(clientId);
    this.#table.removeClient(clientId);
    await this.#ctx.store.deleteSession(clientId);
    return state;
  }

  /**
   * Takeover by a node that accepts relays (session-handoff.ts): as handOver, but the session stays
   * here emptied, its subscriptions (and so this node's routes) kept, for the caller to make it a
   * relay (`relay`, set in the same turn as the snapshot): what still reaches this node for it goes on
   * to the new owner until that one's routes are known everywhere. Undefined when there is no such session.
   */
  async handOverKeepingRoutes(clientId: string, relay: DeliveryInterceptor): Promise<SessionState | undefined> {
    const session = this.#sessions.get(clientId);
    if (session === undefined || session.handoff?.relaying === true) return undefined;
    const state: SessionState = { record: session.record(), subscriptions: this.#subscriptionsOf(clientId), ...session.snapshot() };
    this.#cancelTimers(clientId, false);
    session.reset();
    session.expiryInterval = 0;
    this.#relays++;
    // A relay from the same turn as the snapshot on: whatever arrives next goes on to the new owner.
    session.handoff = relay;
    await this.#ctx.store.deleteSession(clientId);
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

  /** Rebuilds sessions persisted by a previous life of this node (durable stores), or one imported from a peer. */
  restore(state: SessionState): Session {
    const { record } = state;
    if (this.#sessions.get(record.clientId)?.handoff?.relaying === true) this.dropRelay(record.clientId);
    if (this.#sessions.has(record.clientId)) {
      // A newer copy (a takeover from the node that owned it since) replaces a stale one.
      this.#cancelTimers(record.clientId, false);
      this.#table.removeClient(record.clientId);
    }
    const session = new Session(record.clientId, this.#ctx);
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

  /** Stops every timer (broker stop); sessions stay as the store has them. */
  close(): void {
    for (const clientId of this.#timers.keys()) this.#cancelTimers(clientId, false);
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

  #fireWill(session: Session): void {
    const will = session.will;
    session.will = undefined;
    const timers = this.#timers.get(session.clientId);
    timers?.will?.cancel();
    if (will === undefined) return;
    // [MQTT-3.1.3-?] Will Message Expiry Interval: the will's life starts when it is published.
    const expiry = will.expiryInterval;
    const message = expiry === undefined ? will.message : createMessage({ ...will.message, expiresAt: this.#ctx.now() + expiry * 1000 });
    this.#hooks.publishWill(message, session.username);
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

  #persist(write: Promise<void>): void {
    write.catch((err: unknown) => this.#ctx.logger.error('store write failed', { err }));
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
