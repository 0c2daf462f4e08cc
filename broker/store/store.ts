// What the broker persists, behind one interface: sessions (record, subscriptions, queue, inflight
// in both directions) fenced by an owner, retained messages with a topic index, and the nodes that
// own sessions. Writes arrive as per-turn batches from the WriteJournal (write-journal.ts).
import type { Message, QoS } from '../routing/message.js';
import type { StoreFailureCause } from './store-failure.js';

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
  /** Node holding the session (its name). */
  readonly node: string;
  readonly will: StoredWill | undefined;
  /** The owner's fence in the store (0: not stored); a takeover snapshot carries it to the next owner. */
  readonly fence?: number | undefined;
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

/** One change to one session, in the order the session made it. */
export type SessionOp =
  /** The record, and when the stored session expires (ms since the epoch; 0: not while connected or never). */
  | { readonly k: 'record'; readonly record: SessionRecord; readonly expiresAt: number }
  | { readonly k: 'sub'; readonly sub: StoredSubscription }
  | { readonly k: 'unsub'; readonly filter: string }
  | { readonly k: 'push'; readonly delivery: StoredDelivery }
  /** Removes the `count` oldest queued deliveries (sent or dropped). */
  | { readonly k: 'shift'; readonly count: number }
  | { readonly k: 'clearQueue' }
  /** Removes queued deliveries whose message expired at `now` (message expiry in the store). */
  | { readonly k: 'expireQueue'; readonly now: number }
  | { readonly k: 'inflight'; readonly entry: StoredInflight }
  | { readonly k: 'inflightDel'; readonly packetId: number }
  | { readonly k: 'incoming'; readonly packetId: number }
  | { readonly k: 'incomingDel'; readonly packetId: number }
  /** Everything of the session replaced by `state` (resync after a failed write, takeover import). */
  | { readonly k: 'replace'; readonly state: SessionState; readonly expiresAt: number }
  /** The session ends: every key goes. */
  | { readonly k: 'delete' };

/**
 * Writes of one session in one batch, applied atomically and only while `fence` is the session's.
 * `seq` numbers the owner's batches under that fence (from 1): a batch at or below the last applied
 * one is skipped, so a batch sent twice (a retry after a lost reply) is applied once.
 */
export interface SessionWrites {
  readonly clientId: string;
  readonly fence: number;
  readonly seq: number;
  readonly ops: readonly SessionOp[];
}

/** A clean start over a session this node does not own: deleted unless acquired at or after `before`. */
export interface SessionDiscard {
  readonly clientId: string;
  /** A fence bound (microseconds, as fences are): a session acquired later than that is left alone. */
  readonly before: number;
}

export type RetainedWrite = { readonly topic: string; readonly message: Message | undefined };
/** Which node's session index holds a client id (`add`) or no longer does. */
export type IndexWrite = { readonly owner: string; readonly clientId: string; readonly add: boolean };

export interface StoreBatch {
  readonly sessions: readonly SessionWrites[];
  readonly discards: readonly SessionDiscard[];
  readonly retained: readonly RetainedWrite[];
  readonly index: readonly IndexWrite[];
}

/** What did not apply: sessions whose fence moved on (another owner), and writes that failed. */
export interface BatchOutcome {
  readonly fenced: readonly string[];
  readonly failedSessions: readonly string[];
  readonly failedRetained: readonly string[];
  /** The error when something failed (the batch as a whole, or one part). */
  readonly error: Error | undefined;
}

/**
 * Taking a session for `owner`. `clean`: whatever was stored is dropped. `load`: the stored state
 * is returned. `expect`: the caller holds `fence`; when it is still the stored one, `replaceWith`
 * (if given) becomes the stored state, else the stored state is returned; with no new state the
 * fence is kept. `adopt`: only when the stored owner is node `fromNode` (owners are
 * `name#incarnation`: any life of it) and not the caller itself; refused otherwise.
 */
export type AcquireMode =
  | { readonly kind: 'clean' }
  | { readonly kind: 'load' }
  | { readonly kind: 'expect'; readonly fence: number; readonly replaceWith: SessionState | undefined }
  | { readonly kind: 'adopt'; readonly fromNode: string };

export interface AcquireRequest {
  readonly clientId: string;
  /** This node's owner id (`name#incarnation`): the session's owner from now on. */
  readonly owner: string;
  readonly mode: AcquireMode;
  /** The record to store (the new connection's); undefined keeps the stored one (adopt). */
  readonly record: SessionRecord | undefined;
  /** When the stored session expires (ms since the epoch, 0: not while connected); adopt keeps the stored one. */
  readonly expiresAt: number;
}

export type AcquireResult =
  | {
    readonly acquired: true;
    /** The new fence: every later write of this owner carries it. */
    readonly fence: number;
    /** The owner before (node name), if the session was stored. */
    readonly previousOwner: string | undefined;
    /** The stored state when it was loaded (load, adopt, expect with another fence); else undefined. */
    readonly state: SessionState | undefined;
  }
  | { readonly acquired: false };

/** A node as the store's registry knows it: its current life and whether its lease is live. */
export interface RegisteredNode {
  readonly name: string;
  readonly incarnation: string;
  readonly alive: boolean;
}

/**
 * The nodes that share the store: leases (a node that stops renewing is dead), the session index
 * of each node (who must adopt what when it dies), and a lock so one survivor adopts a dead node.
 */
export interface NodeRegistry {
  /** Registers or renews this node's life with a lease of `leaseMs`. */
  renewLease(name: string, incarnation: string, leaseMs: number): Promise<void>;
  /** Ends this node's lease now (graceful stop: survivors adopt its sessions at once). */
  dropLease(name: string, incarnation: string): Promise<void>;
  listNodes(): Promise<RegisteredNode[]>;
  /** True for the one caller that gets the lock on adopting `dead` (held `ttlMs` at most). */
  lockAdoption(dead: string, by: string, ttlMs: number): Promise<boolean>;
  unlockAdoption(dead: string, by: string): Promise<void>;
  /** Client ids in node `name`'s session index (some may since belong to another node). */
  sessionsOf(name: string): Promise<string[]>;
  /** Removes a node with an empty index from the registry. */
  forgetNode(name: string): Promise<void>;
}

export interface Store {
  /**
   * True when what is written outlives this process (Redis). When false the broker keeps sessions
   * in memory only: the journal never calls commit and CONNECT never acquires.
   */
  readonly durable: boolean;
  readonly nodes: NodeRegistry;

  /** Applies one batch (one round trip where the store allows). Rejects only when nothing could be tried. */
  commit(batch: StoreBatch): Promise<BatchOutcome>;
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  /** The stored session with its owner and fence (inspection, tests). */
  loadSession(clientId: string): Promise<{ state: SessionState; owner: string; fence: number } | undefined>;

  /** Every live retained message, in chunks (walks the retained index, not the keyspace). */
  loadRetained(onChunk: (messages: Message[]) => void): Promise<void>;
  /** Retained messages matching a topic filter, found through the topic index [MQTT-4.7]. */
  matchRetained(filter: string, now: number): Promise<Message[]>;
  /** Deletes retained messages expired at `now` (at most `limit`); returns how many. */
  expireRetained(now: number, limit: number): Promise<number>;

  /**
   * One cheap round trip that writes: resolves when the store takes writes again. A read alone
   * would not do: Redis answers PING while it refuses writes (OOM, READONLY). After an `oom`
   * failure it resolves only once the store has room again, not when one tiny write fits.
   */
  ping(after?: StoreFailureCause): Promise<void>;
  close(): Promise<void>;
}

/** A store or write that failed: the caller refuses what depended on it. */
export class StoreError extends Error {
  /** Why, when known (store-failure.ts): a full store is told apart from one that does not answer. */
  readonly failureCause: StoreFailureCause | undefined;
  constructor(message: string, options?: ErrorOptions & { readonly failureCause?: StoreFailureCause | undefined }) {
    super(message, options);
    this.name = 'StoreError';
    this.failureCause = options?.failureCause;
  }
}

/** Fences are microseconds of the store's clock, or one more than the last: monotonic per session. */
export function nextFence(previous: number, nowMicros: number): number {
  return Math.max(previous + 1, Math.floor(nowMicros));
}
