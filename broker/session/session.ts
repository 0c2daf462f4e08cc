// One client session: outgoing inflight window with packet ids, the pending queue, incoming
// QoS 2 packet ids, will and expiry. It lives in memory while the broker holds it; a stored session
// (fence set) writes every change to the write journal, in order (see INVARIANTS.md).
import { isExpired } from '../routing/message.js';
import type { Message, QoS } from '../routing/message.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Logger } from '../contract/logger.js';
import type { JournalSlot } from '../store/journal-slot.js';
import type { SessionState, StoredDelivery, StoredInflight, StoredWill, SessionRecord } from '../store/store.js';
import type { JournalSubject, WriteJournal } from '../store/write-journal.js';
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
  readonly journal: WriteJournal;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly limits: SessionLimits;
  readonly nodeName: string;
  /** A message with an expiry was queued: the registry's sweep removes it once it expires. */
  readonly expiringQueued?: (session: Session) => void;
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

export class Session implements JournalSubject {
  readonly clientId: string;
  /** The fence this node holds the session under in the store; 0: not stored (see JournalSubject). */
  fence = 0;
  writeSeq = 0;
  journalSlot: JournalSlot | undefined = undefined;
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

  /** Queue, inflight, incoming ids and subscriptions are written: a stored session that outlives its connection. */
  get storesData(): boolean {
    return this.fence !== 0 && this.expiryInterval > 0;
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
    const sizeBefore = queue.size;
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
    if (shifted > 0 && this.storesData) this.#ctx.journal.shift(this, shifted, sizeBefore);
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
    if (this.storesData) this.#ctx.journal.putInflight(this, next, false);
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
    if (this.storesData) this.#ctx.journal.op(this, { k: 'incoming', packetId });
  }

  releaseIncomingQos2(packetId: number): boolean {
    const had = this.#incoming?.delete(packetId) ?? false;
    if (had && this.storesData) this.#ctx.journal.op(this, { k: 'incomingDel', packetId });
    return had;
  }

  /**
   * Drops queued messages whose expiry passed, here and in the store [MQTT-3.3.2-5]; returns
   * whether messages with an expiry are still queued (the registry's sweep keeps it then).
   */
  dropExpiredQueued(now: number): boolean {
    const queue = this.#queue;
    if (queue === undefined) return false;
    const removed = queue.removeWhere((d) => isExpired(d.message, now));
    if (removed > 0) {
      this.#ctx.metrics.messagesDropped.inc({ reason: 'expired' }, removed);
      if (this.storesData) this.#ctx.journal.op(this, { k: 'expireQueue', now });
    }
    for (const d of queue) if (d.message.expiresAt !== 0) return true;
    return false;
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
      expiryInterval: this.expiryInterval, disconnectedAt: this.disconnectedAt, node: this.#ctx.nodeName, will: this.will, fence: this.fence,
    };
  }

  /** Queue, inflight and incoming ids as the store keeps them (subscriptions are the table's). */
  snapshot(): Omit<SessionState, 'subscriptions' | 'record'> {
    return { queue: [...(this.#queue ?? [])], inflight: [...(this.#inflight?.values() ?? [])], incomingQos2: [...(this.#incoming ?? [])] };
  }

  restore(state: Omit<SessionState, 'subscriptions' | 'record'>): void {
    for (const e of state.inflight) (this.#inflight ??= new Map()).set(e.packetId, e);
    // Ids go on after the last one sent, so the send order stays the circular id order.
    const last = state.inflight[state.inflight.length - 1];
    if (last !== undefined) this.#nextPacketId = last.packetId === MAX_PACKET_ID ? 1 : last.packetId + 1;
    for (const d of state.queue) {
      (this.#queue ??= new DeliveryQueue()).push(d);
      if (d.message.expiresAt !== 0) this.#ctx.expiringQueued?.(this);
    }
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
    if (this.storesData) this.#ctx.journal.putInflight(this, entry, true);
  }

  #forget(packetId: number): void {
    if (this.#inflight?.delete(packetId) === true && this.storesData) this.#ctx.journal.deleteInflight(this, packetId);
  }

  #enqueue(d: StoredDelivery): void {
    const { maxQueuedMessages, queueOverflow } = this.#ctx.limits;
    const stores = this.storesData;
    const queue = (this.#queue ??= new DeliveryQueue());
    if (queue.size >= maxQueuedMessages) {
      this.#ctx.metrics.messagesDropped.inc({ reason: 'queue_full' });
      if (queueOverflow === 'drop-newest' || maxQueuedMessages === 0) return;
      queue.shift();
      if (stores) this.#ctx.journal.shift(this, 1, queue.size + 1);
    }
    queue.push(d);
    if (stores) this.#ctx.journal.push(this, d);
    if (d.message.expiresAt !== 0) this.#ctx.expiringQueued?.(this);
  }

  #allocatePacketId(): number {
    // The window is at most 65535, so a free id always exists [MQTT-2.2.1-4].
    let id = this.#nextPacketId;
    while (this.#inflight?.has(id) === true) id = id === MAX_PACKET_ID ? 1 : id + 1;
    this.#nextPacketId = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }
}
