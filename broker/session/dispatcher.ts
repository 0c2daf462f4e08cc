// Routes a message to local sessions: retained handling, one match over the subscription table,
// ACL for wildcard deliveries, one shared encoding per fan-out, and forwarding to peers through
// the RemoteRouter seam. Also delivers retained messages to new subscriptions and re-dispatches
// a departing shared member's messages.
import type { Authorizer } from '../auth/authorizer.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Logger } from '../contract/logger.js';
import type { AckWaiter } from '../routing/ack-waiter.js';
import { createMessage, isExpired } from '../routing/message.js';
import type { Message } from '../routing/message.js';
import type { RemoteRouter } from '../routing/remote-router.js';
import type { RetainedIndex } from '../routing/retained-index.js';
import type { Delivery, Subscription, SubscriptionTable } from '../routing/subscription-table.js';
import { matchesFilter } from '../routing/topic.js';
import type { StoredDelivery } from '../store/store.js';
import type { WriteJournal } from '../store/write-journal.js';
import type { Session } from './session.js';
import { createEncodingCache, encodingSlot } from './session-outlet.js';
import type { EncodingCache } from './session-outlet.js';

export interface SessionLookup {
  get(clientId: string): Session | undefined;
}

export interface DispatcherDeps {
  table: SubscriptionTable;
  sessions: SessionLookup;
  retained: RetainedIndex<Message>;
  authorizer: Authorizer;
  metrics: BrokerMetrics;
  journal: WriteJournal;
  remoteRouter: RemoteRouter;
  logger: Logger;
  now: () => number;
  /** Clustered: a retained message a local client set or deleted, for replication. */
  retainedChanged?: (message: Message) => void;
}

const NO_SHARED_GROUPS: ReadonlySet<string> = new Set();
/** Origin sequence numbers stay below 2^31: the forwarder numbers messages without one above it. */
const MAX_ORIGIN_SEQ = 0x7fffffff;

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  /** Retained messages with a Message Expiry Interval: topic -> expiresAt (the sweep looks at these only). */
  readonly #expiringRetained = new Map<string, number>();
  // State of the fan-out in progress, so that the match visitor is one bound method.
  #message: Message | undefined;
  #cache: EncodingCache | undefined;
  #count = 0;
  #originSeq = 0;
  readonly #visit = (d: Delivery): void => this.#deliver(d);
  readonly #isAvailable = (clientId: string): boolean => this.#deps.sessions.get(clientId)?.available ?? false;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  /** The next origin sequence number for a message published here (Message.originSeq; QoS 0 ignores it). */
  nextOriginSeq(): number {
    this.#originSeq = this.#originSeq >= MAX_ORIGIN_SEQ ? 1 : this.#originSeq + 1;
    return this.#originSeq;
  }

  /**
   * A message published by a local client (already authorized): stores or clears the retained
   * copy, delivers locally, forwards to peers. Returns the number of local deliveries and the
   * forward promise (undefined when no peer has a matching route). A forward that throws is a
   * failed forward, never a delivered one: its promise rejects, so no ack says it arrived.
   */
  publish(message: Message): { delivered: number; forwarded: Promise<void> | undefined } {
    if (message.retain) {
      this.#retain(message, true);
      this.#deps.retainedChanged?.(message);
    }
    const delivered = this.deliverLocal(message);
    let forwarded: Promise<void> | undefined;
    try {
      forwarded = this.#deps.remoteRouter.forward(message);
    } catch (err) {
      this.#deps.logger.error('forwarding to peers failed', { topic: message.topic, err });
      forwarded = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return { delivered, forwarded };
  }

  /**
   * The publish hot path (issue 12): as publish(), but a QoS 1/2 forward's wait is held on `waiter`
   * (no Promise per forward). Returns the local deliveries plus the remote nodes it was forwarded to
   * or failed on: 0 when nobody matched. A forward that throws is a failed forward: `waiter` is held
   * and settled with the error, so no ack says it arrived.
   */
  publishTo(message: Message, waiter: AckWaiter): number {
    if (message.retain) {
      this.#retain(message, true);
      this.#deps.retainedChanged?.(message);
    }
    const delivered = this.deliverLocal(message);
    try {
      return delivered + this.#deps.remoteRouter.forwardTo(message, waiter);
    } catch (err) {
      this.#deps.logger.error('forwarding to peers failed', { topic: message.topic, err });
      waiter.hold();
      waiter.settled(err instanceof Error ? err : new Error(String(err)));
      return delivered + 1;
    }
  }

  /**
   * A message a peer forwarded: every local non-shared subscriber, and only the shared groups
   * (`$share/group/filter`) the sender assigned to this node — it served or assigned the others.
   * Its retained copy arrives by retained replication, not here. `publish`: the message already
   * encoded as an MQTT 3.1/3.1.1 PUBLISH at its own QoS with RETAIN 0 (built by the mesh decoder
   * while copying the payload out of the frame): those subscribers get it without an encoding.
   */
  deliverFromPeer(message: Message, sharedGroups: readonly string[] | undefined, publish?: Buffer): number {
    return this.deliverLocal(message, sharedGroups === undefined || sharedGroups.length === 0 ? NO_SHARED_GROUPS : new Set(sharedGroups), publish);
  }

  /**
   * A retained message set or deleted on another node (retained replication): kept in memory only,
   * as the node it was published on wrote it to the store all nodes share.
   */
  applyRetained(message: Message): void {
    this.#retain(message, false);
  }

  /**
   * Delivers to matching local subscriptions; returns how many sessions got it. `sharedGroups`:
   * the shared groups that may take it (all when undefined).
   */
  deliverLocal(message: Message, sharedGroups?: ReadonlySet<string>, publish?: Buffer): number {
    if (isExpired(message, this.#deps.now())) {
      this.#deps.metrics.messagesDropped.inc({ reason: 'expired' });
      return 0;
    }
    const prevMessage = this.#message;
    const prevCache = this.#cache;
    const prevCount = this.#count;
    // Made at the first delivery (a publish no local session wants allocates none; measured: reusing
    // one array and clearing it cost more than a new one).
    let cache: EncodingCache | undefined;
    if (publish !== undefined) {
      cache = createEncodingCache();
      // [MQTT-3.3.1-12] RETAIN 0 on normal forwarding: the slots of 3.1 and 3.1.1 subscribers served at the message's QoS.
      cache[encodingSlot(3, message.qos, false)] = publish;
      cache[encodingSlot(4, message.qos, false)] = publish;
    }
    this.#message = message;
    this.#cache = cache;
    this.#count = 0;
    try {
      this.#deps.table.match(message.topic, message.originClientId, this.#visit, this.#isAvailable, sharedGroups);
      return this.#count;
    } finally {
      this.#message = prevMessage;
      this.#cache = prevCache;
      this.#count = prevCount;
    }
  }

  /**
   * Retained messages for a subscription just made: retain handling 0 always, 1 only when it is
   * new, 2 never [MQTT-3.3.1-9/10/11]; none for shared subscriptions [MQTT-4.8.2-?].
   */
  sendRetained(session: Session, sub: Subscription, isNew: boolean): void {
    if (sub.shareGroup !== undefined || sub.retainHandling === 2 || (sub.retainHandling === 1 && !isNew)) return;
    const { authorizer, retained, now } = this.#deps;
    const identity = { clientId: session.clientId, username: session.username };
    const t = now();
    const ids = sub.subscriptionId === undefined ? undefined : [sub.subscriptionId];
    retained.match(sub.topicFilter, (topic, message) => {
      if (isExpired(message, t)) return;
      if (!authorizer.canReceive(identity, topic)) return;
      const qos = message.qos < sub.qos ? message.qos : sub.qos;
      // A retained message sent for a new subscription keeps RETAIN=1 [MQTT-3.3.1-8].
      session.deliver(message, qos, true, ids, undefined, undefined);
    });
  }

  /** Another member of the same share group takes each undelivered message [MQTT-4.8.2-?]. */
  redispatch(clientId: string, pending: StoredDelivery[], removed: Subscription[]): void {
    const { table } = this.#deps;
    for (const d of pending) {
      if (d.shareGroup === undefined) continue;
      const sub = removed.find((s) => s.shareGroup === d.shareGroup && matchesFilter(s.topicFilter, d.message.topic));
      if (sub === undefined) continue;
      const member = table.pickSharedMember(d.shareGroup, sub.topicFilter, clientId, this.#isAvailable);
      const session = member === undefined ? undefined : this.#deps.sessions.get(member);
      const memberSub = member === undefined ? undefined : table.get(member, sub.filter);
      if (session === undefined || memberSub === undefined) {
        this.#deps.metrics.messagesDropped.inc({ reason: 'no_shared_member' });
        continue;
      }
      const qos = d.message.qos < memberSub.qos ? d.message.qos : memberSub.qos;
      const ids = memberSub.subscriptionId === undefined ? undefined : [memberSub.subscriptionId];
      session.deliver(d.message, qos, memberSub.retainAsPublished ? d.message.retain : false, ids, d.shareGroup, undefined);
    }
  }

  #deliver(d: Delivery): void {
    const session = this.#deps.sessions.get(d.clientId);
    if (session === undefined) return;
    const message = this.#message as Message;
    // A wildcard subscription must not read what the ACL forbids on this topic.
    if (d.wildcard && !this.#deps.authorizer.canReceive({ clientId: session.clientId, username: session.username }, message.topic)) return;
    // Delivered at the lower of the publish and subscription QoS [MQTT-3.8.4-8].
    const qos = message.qos < d.qos ? message.qos : d.qos;
    // Retain As Published 0: RETAIN cleared on normal forwarding [MQTT-3.3.1-12/13].
    const retain = d.retainAsPublished ? message.retain : false;
    session.deliver(message, qos, retain, d.subscriptionIds, d.shareGroup, (this.#cache ??= createEncodingCache()));
    this.#count++;
  }

  /**
   * Drops retained messages whose expiry passed [MQTT-3.3.2-5]; the store drops its copies itself
   * (Store.expireRetained). Returns how many went.
   */
  expireRetained(now: number): number {
    let n = 0;
    for (const [topic, at] of this.#expiringRetained) {
      if (at > now) continue;
      this.#expiringRetained.delete(topic);
      if (this.#deps.retained.get(topic)?.expiresAt === at) { this.#deps.retained.delete(topic); n++; }
    }
    return n;
  }

  /** `store`: the change is this node's to write (a local publish), in the journal with its ack. */
  #retain(message: Message, store: boolean): void {
    const { retained, journal } = this.#deps;
    if (message.payload.length === 0) {
      // [MQTT-3.3.1-6/7] an empty retained payload deletes the retained message
      this.#expiringRetained.delete(message.topic);
      if (retained.delete(message.topic) && store) journal.retained(message.topic, undefined);
      return;
    }
    const copy = createMessage({ ...message, payload: Buffer.from(message.payload) });
    retained.set(message.topic, copy);
    if (copy.expiresAt !== 0) this.#expiringRetained.set(copy.topic, copy.expiresAt);
    else this.#expiringRetained.delete(copy.topic);
    if (store) journal.retained(message.topic, copy);
  }
}
