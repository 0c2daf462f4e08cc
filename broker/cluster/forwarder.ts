// Forwarding transport: sends a message once to each remote node (never per subscriber), and
// hands messages forwarded to this node to a callback. QoS 1/2 forwards are acked by the
// receiver; the promise settles when every peer that was sent the message has acked it.
import type { Counter } from 'prom-client';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message } from '../routing/message.js';
import { decodeForward, decodeForwardAcks, encodeForward, encodeForwardAcks } from './frame-codec.js';
import type { PeerConnection } from './peer-connection.js';

/** How a forwarded message is to be delivered on the receiving node. */
export interface PeerDelivery {
  /**
   * Shared subscriptions (`$share/group/filter`) this node was picked to serve for this message:
   * deliver to one local member of each. Groups not listed are served elsewhere: skip them.
   * Non-shared local subscriptions always get the message.
   */
  readonly sharedGroups: ReadonlySet<string>;
}

/** A QoS 1/2 forward not acked by every peer: the publisher must not be acknowledged as if it were. */
export class ForwardError extends Error {
  readonly failedNodes: readonly string[];
  constructor(message: string, failedNodes: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForwardError';
    this.failedNodes = failedNodes;
  }
}

export interface ForwarderOptions {
  readonly connection: (node: string) => PeerConnection | undefined;
  readonly onMessage: (message: Message, delivery: PeerDelivery) => void;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** A peer that has not acked within this time fails the forward. */
  readonly ackTimeoutMs: number;
}

interface Fanout { remaining: number; failed: string[] | undefined; startedAt: number; resolve(): void; reject(err: Error): void }
interface PeerState { nextId: number; readonly pending: Map<number, Fanout>; readonly acks: number[]; ackScheduled: boolean; readonly out: PeerCounters }
interface PeerCounters { messages: ReturnType<Counter<'peer'>['labels']>; bytes: ReturnType<Counter<'peer'>['labels']>; inMessages: ReturnType<Counter<'peer'>['labels']>; inBytes: ReturnType<Counter<'peer'>['labels']> }

const RESOLVED = Promise.resolve();
const NO_GROUPS: ReadonlySet<string> = new Set();

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #peers = new Map<string, PeerState>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: ForwarderOptions) {
    this.#o = options;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(10, Math.floor(options.ackTimeoutMs / 4)));
    this.#sweeper.unref();
  }

  /**
   * Sends `message` once to each node. `sharedGroups` says which shared groups each node must serve.
   * Nodes not connected are skipped (counted as dropped: `peer_unavailable`); see INVARIANTS.md.
   * Returns undefined when nothing was sent.
   */
  forward(message: Message, nodes: Iterable<string>, sharedGroups?: ReadonlyMap<string, readonly string[]>): Promise<void> | undefined {
    const needsAck = message.qos > 0;
    let fanout: Fanout | undefined;
    let promise: Promise<void> | undefined;
    let sent = 0;
    const base = { topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, properties: message.properties, expiresAt: message.expiresAt, receivedAt: message.receivedAt, originClientId: message.originClientId };
    let shared: Buffer | undefined; // the frame without groups is the same for every node: encode once
    for (const node of nodes) {
      const conn = this.#o.connection(node);
      if (!conn || conn.closed) { this.#o.metrics.messagesDropped.inc({ reason: 'peer_unavailable' }); continue; }
      const peer = this.#peer(node);
      const groups = sharedGroups?.get(node);
      let id = 0;
      if (needsAck) {
        if (!fanout) {
          promise = new Promise<void>((resolve, reject) => { fanout = { remaining: 0, failed: undefined, startedAt: this.#o.now(), resolve, reject }; });
        }
        id = peer.nextId;
        peer.nextId = peer.nextId >= 0xffffffff ? 1 : peer.nextId + 1;
      }
      const frame = !needsAck && !groups
        ? (shared ??= encodeForward({ ...base, id: 0, sharedGroups: [] }))
        : encodeForward({ ...base, id, sharedGroups: groups ?? [] });
      if (!conn.send(frame, !needsAck)) {
        this.#o.metrics.messagesDropped.inc({ reason: 'slow_peer' });
        if (fanout) (fanout.failed ??= []).push(node);
        continue;
      }
      sent++;
      peer.out.messages.inc();
      peer.out.bytes.inc(frame.length);
      if (fanout) { fanout.remaining++; peer.pending.set(id, fanout); }
    }
    if (sent === 0 && !fanout) return undefined;
    if (!fanout) return RESOLVED;
    this.#settleIfDone(fanout);
    return promise;
  }

  /** A binary forward frame from `conn`. */
  handleForward(conn: PeerConnection, body: Buffer): void {
    const f = decodeForward(body);
    const peer = this.#peer(conn.peer.name);
    peer.out.inMessages.inc();
    peer.out.inBytes.inc(body.length + 5);
    const message = createMessage({
      topic: f.topic, payload: f.payload, qos: f.qos, retain: f.retain, properties: f.properties, expiresAt: f.expiresAt,
      originClientId: f.originClientId, originNode: conn.peer.name, receivedAt: f.receivedAt,
    });
    this.#o.onMessage(message, { sharedGroups: f.sharedGroups.length === 0 ? NO_GROUPS : new Set(f.sharedGroups) });
    if (f.id !== 0) {
      // Acked once handed to the broker; acks of one turn travel in one frame.
      peer.acks.push(f.id);
      if (!peer.ackScheduled) {
        peer.ackScheduled = true;
        setImmediate(() => this.#flushAcks(conn, peer));
      }
    }
  }

  handleAcks(conn: PeerConnection, body: Buffer): void {
    const peer = this.#peers.get(conn.peer.name);
    if (!peer) return;
    const now = this.#o.now();
    for (const id of decodeForwardAcks(body)) {
      const fanout = peer.pending.get(id);
      if (!fanout) continue; // already failed by a timeout
      peer.pending.delete(id);
      fanout.remaining--;
      this.#o.metrics.forwardLatency.observe((now - fanout.startedAt) / 1000);
      this.#settleIfDone(fanout);
    }
  }

  /** The connection to `node` is gone: its unacked forwards fail (they may be lost). */
  peerDown(node: string): void {
    const peer = this.#peers.get(node);
    if (!peer) return;
    this.#failPending(node, peer, () => true);
    peer.acks.length = 0;
  }

  pendingCount(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.pending.size;
    return n;
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const [node, peer] of this.#peers) this.#failPending(node, peer, () => true);
  }

  #peer(node: string): PeerState {
    let p = this.#peers.get(node);
    if (!p) {
      const m = this.#o.metrics;
      const out = { messages: m.forwardedMessages.labels(node), bytes: m.forwardedBytes.labels(node), inMessages: m.receivedFromPeerMessages.labels(node), inBytes: m.receivedFromPeerBytes.labels(node) };
      this.#peers.set(node, (p = { nextId: 1, pending: new Map(), acks: [], ackScheduled: false, out }));
    }
    return p;
  }

  #flushAcks(conn: PeerConnection, peer: PeerState): void {
    peer.ackScheduled = false;
    if (peer.acks.length === 0) return;
    conn.send(encodeForwardAcks(peer.acks));
    peer.acks.length = 0;
  }

  #settleIfDone(fanout: Fanout): void {
    if (fanout.remaining > 0) return;
    if (fanout.failed) fanout.reject(new ForwardError(`forward not acknowledged by ${fanout.failed.join(', ')}`, fanout.failed));
    else fanout.resolve();
  }

  #failPending(node: string, peer: PeerState, isDue: (f: Fanout) => boolean): void {
    for (const [id, fanout] of peer.pending) {
      if (!isDue(fanout)) break; // insertion order is age order
      peer.pending.delete(id);
      fanout.remaining--;
      (fanout.failed ??= []).push(node);
      this.#settleIfDone(fanout);
    }
  }

  #sweep(): void {
    const deadline = this.#o.now() - this.#o.ackTimeoutMs;
    for (const [node, peer] of this.#peers) this.#failPending(node, peer, (f) => f.startedAt <= deadline);
  }
}
