// One client session: outgoing inflight window with packet ids, the pending queue, incoming
// QoS 2 packet ids, will and expiry. It lives in memory while the broker holds it; what a
// durable store needs is mirrored to it incrementally (see INVARIANTS.md).
import { isExpired } from '../routing/message.js';
import type { Message, QoS } from '../routing/message.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Logger } from '../log/logger.js';
import type { SessionState, Store, StoredDelivery, StoredInflight, StoredWill, SessionRecord } from '../store/store.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { EncodingCache, SessionOutlet } from './session-outlet.js';

export interface SessionLimits {
  readonly maxInflight: number;
  readonly maxQueuedMessages: number;
  readonly queueOverflow: 'drop-oldest' | 'drop-newest';
  /** Queue QoS 0 messages for offline persistent sessions (off by default). */
  readonly queueQos0: boolean;
}

/** Shared by every session of a broker: no per-session closures. */
export interface SessionContext {
  readonly store: Store;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly limits: SessionLimits;
  readonly nodeName: string;
}

/**
 * Looks at each delivery first while a session is moving between nodes (session-handoff.ts): the
 * copy left behind relays to the new owner, the new owner drops a copy that reached it twice.
 */
export interface DeliveryInterceptor {
  /** The session is a relay: it forwards, it is never connected here, and counts as available to shared groups. */
  readonly relaying: boolean;
  /** True when it took the delivery (relayed, or a duplicate dropped); false: deliver as usual. */
  intercept(session: Session, message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined, shareGroup: string | undefined): boolean;
}

type Inflight = StoredInflight;
const MAX_PACKET_ID = 0xffff;

export class Session {
  readonly clientId: string;
  username: string | undefined = undefined;
  protocolVersion: 3 | 4 | 5 = 4;
  /** Seconds the session outlives its connection; 0 ends it with the connection. */
  expiryInterval = 0;
  will: StoredWill | undefined = undefined;
  disconnectedAt: number | undefined = undefined;
  /** Set only while the session moves between nodes; undefined otherwise (one check per delivery). */
  handoff: DeliveryInterceptor | undefined = undefined;
  readonly #ctx: SessionContext;
  #outlet: SessionOutlet | undefined;
  #window = 0;
  // Allocated on first use: an idle session holds no collections (INVARIANTS.md, idle memory).
  #inflight: Map<number, Inflight> | undefined;
  #queue: DeliveryQueue<StoredDelivery> | undefined;
  #incoming: Set<number> | undefined;
  #nextPacketId = 1;

  constructor(clientId: string, ctx: SessionContext) {
    this.clientId = clientId;
    this.#ctx = ctx;
  }

  get connected(): boolean {
    return this.#outlet !== undefined;
  }

  /** Can take a message now: connected, or a relay to the node that holds it (shared-group picks). */
  get available(): boolean {
    return this.#outlet !== undefined || this.handoff?.relaying === true;
  }

  get inflightCount(): number {
    return this.#inflight?.size ?? 0;
  }

  get queuedCount(): number {
    return this.#queue?.size ?? 0;
  }

  /** Whether the session can outlive its connection (and so is worth writing to the store). */
  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  get incomingQos2Count(): number {
    return this.#incoming?.size ?? 0;
  }

  /** A connection takes the session: resend unacknowledged messages with DUP, then the queue. */
  attach(outlet: SessionOutlet, clientReceiveMaximum: number): void {
    this.#outlet = outlet;
    this.#window = Math.min(clientReceiveMaximum, this.#ctx.limits.maxInflight);
    this.disconnectedAt = undefined;
    // [MQTT-4.4.0-1] resend unacknowledged PUBLISH (DUP=1) and PUBREL, in their original order
    if (this.#inflight !== undefined) for (const entry of this.#inflight.values()) {
      if (entry.state === 'pubrel') outlet.sendPubrel(entry.packetId);
      else if (!outlet.sendPublish(entry.message, entry.qos, entry.retain, entry.subscriptionIds, entry.packetId, true, undefined)) {
        this.#forget(entry.packetId);
      }
    }
    this.drain();
  }

  detach(now: number): void {
    this.#outlet = undefined;
    this.disconnectedAt = now;
  }

  /** Delivers one message as a subscription shaped it: sends, queues or drops it. */
  deliver(message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined,
    shareGroup: string | undefined, cache: EncodingCache | undefined): void {
    if (this.handoff !== undefined && this.handoff.intercept(this, message, qos, retain, subscriptionIds, shareGroup)) return;
    const outlet = this.#outlet;
    if (qos === 0) {
      if (outlet === undefined) {
        if (this.#ctx.limits.queueQos0) this.#enqueue({ message, qos, retain, subscriptionIds, shareGroup });
      } else if (outlet.congested) {
        this.#ctx.metrics.messagesDropped.inc({ reason: 'slow_client' });
      } else {
        outlet.sendPublish(message, 0, retain, subscriptionIds, 0, false, cache);
      }
      return;
    }
    if (outlet !== undefined && !outlet.congested && this.queuedCount === 0 && this.inflightCount < this.#window) {
      this.#send({ message, qos, retain, subscriptionIds, shareGroup }, cache);
    } else {
      this.#enqueue({ message, qos, retain, subscriptionIds, shareGroup });
    }
  }

  /** Sends queued messages while the inflight window and the socket allow. */
  drain(): void {
    const outlet = this.#outlet;
    const queue = this.#queue;
    if (outlet === undefined || queue === undefined) return;
    let shifted = 0;
    while (queue.size > 0 && !outlet.congested && this.inflightCount < this.#window) {
      const d = queue.shift() as StoredDelivery;
      shifted++;
      if (isExpired(d.message, this.#ctx.now())) {
        this.#ctx.metrics.messagesDropped.inc({ reason: 'expired' });
        continue;
      }
      if (d.qos === 0) outlet.sendPublish(d.message, 0, d.retain, d.subscriptionIds, 0, false, undefined);
      else this.#send(d, undefined);
    }
    if (shifted > 0 && this.#ctx.store.durable) this.#persist(this.#ctx.store.shiftQueued(this.clientId, shifted));
  }

  /** PUBACK [MQTT-4.3.2-*]: returns false for an unknown packet id. */
  onPuback(packetId: number): boolean {
    const entry = this.#inflight?.get(packetId);
    if (entry === undefined || entry.qos !== 1) return false;
    this.#forget(packetId);
    this.drain();
    return true;
  }

  /**
   * PUBREC [MQTT-4.3.3-*]: moves the message to awaiting PUBCOMP and returns true when a PUBREL
   * must be sent; an error reason code (v5) ends the exchange. False for an unknown id.
   */
  onPubrec(packetId: number, reasonCode: number): boolean {
    const inflight = this.#inflight;
    const entry = inflight?.get(packetId);
    if (entry === undefined || entry.qos !== 2) return false;
    if (reasonCode >= 0x80) {
      this.#forget(packetId);
      this.drain();
      return true;
    }
    const next: Inflight = { ...entry, state: 'pubrel' };
    (inflight as Map<number, Inflight>).set(packetId, next);
    if (this.#ctx.store.durable) this.#persist(this.#ctx.store.putInflight(this.clientId, next));
    return true;
  }

  onPubcomp(packetId: number): boolean {
    const entry = this.#inflight?.get(packetId);
    if (entry === undefined || entry.state !== 'pubrel') return false;
    this.#forget(packetId);
    this.drain();
    return true;
  }

  hasIncomingQos2(packetId: number): boolean {
    return this.#incoming?.has(packetId) ?? false;
  }

  /** Remembers an incoming QoS 2 packet id until PUBREL, for exactly-once [MQTT-4.3.3-9]. */
  addIncomingQos2(packetId: number): void {
    (this.#incoming ??= new Set()).add(packetId);
    if (this.#ctx.store.durable) this.#persist(this.#ctx.store.addIncomingQos2(this.clientId, packetId));
  }

  releaseIncomingQos2(packetId: number): boolean {
    const had = this.#incoming?.delete(packetId) ?? false;
    if (had && this.#ctx.store.durable) this.#persist(this.#ctx.store.deleteIncomingQos2(this.clientId, packetId));
    return had;
  }

  /** Removes and returns every undelivered QoS 1/2 message (for shared re-dispatch). */
  takePending(): StoredDelivery[] {
    const out: StoredDelivery[] = [];
    if (this.#inflight !== undefined) for (const e of this.#inflight.values()) if (e.state === 'publish') out.push(e);
    this.#inflight = undefined;
    if (this.#queue !== undefined) for (const d of this.#queue.drain()) if (d.qos > 0) out.push(d);
    this.#queue = undefined;
    return out;
  }

  /** Clean Start: everything but identity is discarded [MQTT-3.1.2-4]. */
  reset(): void {
    this.#inflight = undefined;
    this.#queue = undefined;
    this.#incoming = undefined;
    this.will = undefined;
  }

  record(): SessionRecord {
    return {
      clientId: this.clientId, username: this.username, protocolVersion: this.protocolVersion,
      expiryInterval: this.expiryInterval, disconnectedAt: this.disconnectedAt, node: this.#ctx.nodeName, will: this.will,
    };
  }

  /** Queue, inflight and incoming ids as the store keeps them (subscriptions are the table's). */
  snapshot(): Omit<SessionState, 'subscriptions' | 'record'> {
    return { queue: [...(this.#queue ?? [])], inflight: [...(this.#inflight?.values() ?? [])], incomingQos2: [...(this.#incoming ?? [])] };
  }

  restore(state: Omit<SessionState, 'subscriptions' | 'record'>): void {
    for (const e of state.inflight) (this.#inflight ??= new Map()).set(e.packetId, e);
    for (const d of state.queue) (this.#queue ??= new DeliveryQueue()).push(d);
    for (const id of state.incomingQos2) (this.#incoming ??= new Set()).add(id);
  }

  #send(d: StoredDelivery, cache: EncodingCache | undefined): void {
    const packetId = this.#allocatePacketId();
    const entry: Inflight = { message: d.message, qos: d.qos, retain: d.retain, subscriptionIds: d.subscriptionIds, shareGroup: d.shareGroup, packetId, state: 'publish' };
    const inflight = (this.#inflight ??= new Map());
    inflight.set(packetId, entry);
    const outlet = this.#outlet as SessionOutlet;
    if (!outlet.sendPublish(d.message, d.qos, d.retain, d.subscriptionIds, packetId, false, cache)) {
      inflight.delete(packetId);
      return;
    }
    if (this.#ctx.store.durable) this.#persist(this.#ctx.store.putInflight(this.clientId, entry));
  }

  #forget(packetId: number): void {
    this.#inflight?.delete(packetId);
    if (this.#ctx.store.durable) this.#persist(this.#ctx.store.deleteInflight(this.clientId, packetId));
  }

  #enqueue(d: StoredDelivery): void {
    const { maxQueuedMessages, queueOverflow } = this.#ctx.limits;
    const durable = this.#ctx.store.durable;
    const queue = (this.#queue ??= new DeliveryQueue());
    if (queue.size >= maxQueuedMessages) {
      this.#ctx.metrics.messagesDropped.inc({ reason: 'queue_full' });
      if (queueOverflow === 'drop-newest' || maxQueuedMessages === 0) return;
      queue.shift();
      if (durable) this.#persist(this.#ctx.store.shiftQueued(this.clientId, 1));
    }
    queue.push(d);
    if (durable) this.#persist(this.#ctx.store.pushQueued(this.clientId, d));
  }

  #allocatePacketId(): number {
    // The window is at most 65535, so a free id always exists [MQTT-2.2.1-4].
    let id = this.#nextPacketId;
    while (this.#inflight?.has(id) === true) id = id === MAX_PACKET_ID ? 1 : id + 1;
    this.#nextPacketId = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }

  #persist(write: Promise<void>): void {
    write.catch((err: unknown) => this.#ctx.logger.error('store write failed', { clientId: this.clientId, err }));
  }
}
