// What the broker persists, behind one async interface with incremental writes, so that a Redis
// store can keep sessions, their subscriptions, offline queue, outgoing inflight, incoming QoS 2
// ids and retained messages across a pod restart. No session logic may assume memory.
import type { Message, QoS } from '../routing/message.js';

export interface StoredSubscription {
  readonly filter: string; // as subscribed, including a `$share/group/` prefix
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly subscriptionId: number | undefined;
}

export interface StoredWill {
  readonly message: Message;
  readonly delayInterval: number; // seconds
  /** Will Message Expiry Interval (seconds), counted from when the will is published [MQTT-3.1.3-?]. */
  readonly expiryInterval?: number | undefined;
}

/** A session's metadata; written on connect, disconnect and changes of expiry. */
export interface SessionRecord {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly protocolVersion: 3 | 4 | 5;
  /** Seconds the session outlives its connection (0xFFFFFFFF: never expires). */
  readonly expiryInterval: number;
  /** When the last connection ended (ms since the epoch); undefined while connected. */
  readonly disconnectedAt: number | undefined;
  /** Node holding the live connection (fencing across nodes uses it). */
  readonly node: string;
  readonly will: StoredWill | undefined;
}

/** A message waiting for delivery to a session, as the subscription shaped it. */
export interface StoredDelivery {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | undefined;
  /** The shared-subscription group it came through, for re-dispatch. */
  readonly shareGroup: string | undefined;
}

/** An outgoing QoS 1/2 message sent and not yet completed [MQTT-4.4.0-1]. */
export interface StoredInflight extends StoredDelivery {
  readonly packetId: number;
  /** 'publish': awaiting PUBACK/PUBREC; 'pubrel': PUBREC received, awaiting PUBCOMP. */
  readonly state: 'publish' | 'pubrel';
}

export interface SessionState {
  readonly record: SessionRecord;
  readonly subscriptions: StoredSubscription[];
  readonly queue: StoredDelivery[];
  readonly inflight: StoredInflight[];
  readonly incomingQos2: number[];
}

export interface Store {
  /**
   * True when what is written outlives this process (Redis). When false the broker keeps the
   * live copies in memory only and skips mirroring queue/inflight on the hot path.
   */
  readonly durable: boolean;

  saveSession(record: SessionRecord): Promise<void>;
  /** Whole state of one session, or undefined. */
  loadSession(clientId: string): Promise<SessionState | undefined>;
  /** Every persisted session (restored at start). */
  loadSessions(): Promise<SessionState[]>;
  /** Deletes the session and everything under it. */
  deleteSession(clientId: string): Promise<void>;

  putSubscription(clientId: string, subscription: StoredSubscription): Promise<void>;
  deleteSubscription(clientId: string, filter: string): Promise<void>;

  /** Appends to the session's queue (the caller enforces the bound). */
  pushQueued(clientId: string, delivery: StoredDelivery): Promise<void>;
  /** Removes the `count` oldest queued deliveries (sent or dropped). */
  shiftQueued(clientId: string, count: number): Promise<void>;
  /** Empties the session's queue. */
  clearQueue(clientId: string): Promise<void>;

  putInflight(clientId: string, entry: StoredInflight): Promise<void>;
  deleteInflight(clientId: string, packetId: number): Promise<void>;

  addIncomingQos2(clientId: string, packetId: number): Promise<void>;
  deleteIncomingQos2(clientId: string, packetId: number): Promise<void>;

  putRetained(message: Message): Promise<void>;
  deleteRetained(topic: string): Promise<void>;
  loadRetained(): Promise<Message[]>;

  close(): Promise<void>;
}
