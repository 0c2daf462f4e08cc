// Forwarding transport: sends a message once to each remote node (never per subscriber), and
// hands messages forwarded to this node to a callback. QoS 1/2 forwards are acked by the
// receiver; the waiter (routing/ack-waiter.ts) is told once every peer sent the message acked it.
import type { Counter } from 'prom-client';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { PromiseAckWaiter, type AckWaiter } from '../routing/ack-waiter.js';
import type { Message } from '../routing/message.js';
import { decodeForward, encodeForwardAcks, encodeForwardProperties, forEachForwardAck, ForwardStrings, forwardFrameBound, FRAME_KIND, writeForward } from './frame-codec.js';
import { OVERFLOW, type PeerConnection } from './peer-connection.js';

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
  /**
   * Delivers a peer's message here. A promise: what the delivery wrote for persistent sessions; the
   * forward is acked once it is stored and refused (nack) if it could not be. `publish`: the message
   * already encoded for MQTT 3.1/3.1.1 subscribers at its QoS with RETAIN 0 (DecodedForward), when built.
   */
  readonly onMessage: (message: Message, delivery: PeerDelivery, publish: Buffer | undefined) => Promise<void> | undefined | void;
  /**
   * A QoS 1/2 forward to a matching node that is not connected fails instead of being skipped (a
   * durable store: the node's persistent sessions must not miss what the publisher is told arrived).
   */
  readonly refuseUnreachable?: boolean;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** A peer that has not acked within this time fails the forward. */
  readonly ackTimeoutMs: number;
}

/** One acknowledged forward in flight: pooled (a settled one is reused), so a forward allocates none. */
interface Fanout { remaining: number; failed: string[] | undefined; startedAt: number; waiter: AckWaiter | undefined }
type PeerCounter = ReturnType<Counter<'peer'>['labels']>;
interface PeerState {
  readonly pending: Map<number, Fanout>;
  readonly acks: number[];
  readonly nacks: number[];
  ackScheduled: boolean;
  /** The last strings this peer sent (decoded once for a run of one publisher's messages). */
  readonly strings: ForwardStrings;
  // Counted here per message and added to the prom-client counters once per turn (a labelled
  // counter's inc hashes its labels: too dear per message).
  sent: number; sentBytes: number; received: number; receivedBytes: number;
  readonly counters: { readonly sent: PeerCounter; readonly sentBytes: PeerCounter; readonly received: PeerCounter; readonly receivedBytes: PeerCounter };
}

const RESOLVED = Promise.resolve();
/** Settled fan-outs kept for reuse: more than a burst's worth in flight at once is rare. */
const FANOUT_POOL_MAX = 4096;
const NO_GROUPS: ReadonlySet<string> = new Set();
const NO_GROUP_LIST: readonly string[] = [];
const EVERY_GROUP_ELSEWHERE: PeerDelivery = Object.freeze({ sharedGroups: NO_GROUPS });
/** The scratch buffer every forward frame is encoded into (grown for a larger message). */
const SCRATCH_BYTES = 64 << 10;
/** Ack ids of messages without an origin sequence number (Message.originSeq stays below): 2^31 .. 2^32-1. */
const UNNUMBERED_FIRST = 0x80000000;
const UNNUMBERED_LAST = 0xffffffff;

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #peers = new Map<string, PeerState>();
  readonly #sweeper: NodeJS.Timeout;
  #scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  readonly #spare: Fanout[] = [];
  #countersScheduled = false;
  #unnumbered = UNNUMBERED_FIRST - 1;
  /**
   * The latency histogram's unlabelled child, made once: Histogram.observe makes a closure and two
   * objects per call (prom-client 15), which at one observation per acked forward showed in GC.
   */
  readonly #latency: { observe(value: number): void };

  constructor(options: ForwarderOptions) {
    this.#o = options;
    this.#latency = options.metrics.forwardLatency.labels({});
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(10, Math.floor(options.ackTimeoutMs / 4)));
    this.#sweeper.unref();
  }

  /**
   * Sends `message` once to each node and returns a promise (see forwardTo): settled when every node
   * sent a QoS 1/2 message acked it, rejected with ForwardError when one did not; undefined when
   * nothing was sent. The hot path uses forwardTo, without a Promise per forward.
   */
  forward(message: Message, nodes: readonly string[], sharedGroups?: ReadonlyMap<string, readonly string[]>): Promise<void> | undefined {
    const waiter = new PromiseAckWaiter();
    if (this.forwardTo(message, nodes, sharedGroups, waiter) === 0) return undefined;
    return waiter.outcome() ?? RESOLVED;
  }

  /**
   * Sends `message` once to each node. `sharedGroups` says which shared groups each node must serve.
   * Nodes not connected are skipped (counted as dropped: `peer_unavailable`); see INVARIANTS.md.
   * The message is encoded once into a reused scratch buffer and copied into each peer's output
   * slab (re-encoded only for a node that serves shared groups). A QoS 1/2 forward's ack id is the
   * message's origin sequence number, the same to every peer: with the origin node it names the
   * message cluster-wide (a relayed copy is recognised by it). The caller may reuse `nodes` once
   * this returns. QoS 1/2: `waiter` holds one wait, settled once every node it was sent to acked it,
   * or with a ForwardError when one closed, refused it or timed out (possibly before this returns).
   * Returns how many nodes it was sent to or failed on (0: nothing happened, nothing is held).
   */
  forwardTo(message: Message, nodes: readonly string[], sharedGroups: ReadonlyMap<string, readonly string[]> | undefined, waiter: AckWaiter | undefined): number {
    const needsAck = message.qos > 0 && waiter !== undefined;
    const policy = message.qos > 0 ? OVERFLOW.refuseOverHard : OVERFLOW.dropOverSoft;
    let fanout: Fanout | undefined;
    let sent = 0;
    const props = encodeForwardProperties(message.properties);
    let length = 0; // of the frame without groups in the scratch buffer; 0 until encoded
    let id = 0;
    if (message.qos > 0) id = message.originSeq !== undefined && message.originSeq > 0 ? message.originSeq : this.#nextUnnumbered();
    let i = 0;
    try {
      for (; i < nodes.length; i++) {
        const node = nodes[i]!;
        const conn = this.#o.connection(node);
        if (!conn || conn.closed) {
          this.#o.metrics.messagesDropped.inc({ reason: 'peer_unavailable' });
          if (needsAck && this.#o.refuseUnreachable === true) (((fanout ??= this.#fanout(waiter)).failed) ??= []).push(node);
          continue;
        }
        const peer = this.#peer(node);
        if (needsAck) fanout ??= this.#fanout(waiter);
        const groups = sharedGroups?.get(node);
        let frameLength: number;
        if (groups === undefined || groups.length === 0) {
          if (length === 0) length = this.#encode(message, id, NO_GROUP_LIST, props);
          frameLength = length;
        } else {
          frameLength = this.#encode(message, id, groups, props);
          length = 0; // the scratch now holds this node's frame
        }
        if (!conn.sendCopy(this.#scratch, frameLength, policy)) {
          if (fanout === undefined) this.#o.metrics.messagesDropped.inc({ reason: 'slow_peer' });
          else (fanout.failed ??= []).push(node);
          continue;
        }
        sent++;
        peer.sent++;
        peer.sentBytes += frameLength;
        this.#countersChanged();
          if (fanout !== undefined) { fanout.remaining++; peer.pending.set(id, fanout); }
      }
    } catch (err) {
      // An encode that threw after the fan-out took its wait: the wait fails, never left held
      // (a held wait would stall every later ack of the publisher's connection).
      if (fanout !== undefined) { (fanout.failed ??= []).push(nodes[i]!); this.#settleIfDone(fanout); }
      throw err;
    }
    if (fanout === undefined) return sent;
    const failed = fanout.failed?.length ?? 0;
    this.#settleIfDone(fanout);
    return sent + failed;
  }

  /** A binary forward frame from `conn`. */
  handleForward(conn: PeerConnection, body: Buffer): void {
    const peer = this.#peer(conn.peer.name);
    const f = decodeForward(body, peer.strings);
    peer.received++;
    peer.receivedBytes += body.length + 5;
    this.#countersChanged();
    const message: Message = {
      topic: f.topic, payload: f.payload, qos: f.qos, retain: f.retain, properties: f.properties, expiresAt: f.expiresAt,
      originClientId: f.originClientId, originNode: conn.peer.name, receivedAt: f.receivedAt, originSeq: f.id,
    };
    const stored = this.#o.onMessage(message, f.sharedGroups.length === 0 ? EVERY_GROUP_ELSEWHERE : { sharedGroups: new Set(f.sharedGroups) }, f.publish);
    if (f.id === 0) return;
    // Acked once handed to the broker and what it wrote for persistent sessions is stored; acks of
    // one turn travel in one frame.
    const id = f.id;
    if (stored === undefined || stored === null) this.#queueAck(conn, peer, peer.acks, id);
    else stored.then(() => this.#queueAck(conn, peer, peer.acks, id), () => this.#queueAck(conn, peer, peer.nacks, id));
  }

  #queueAck(conn: PeerConnection, peer: PeerState, list: number[], id: number): void {
    list.push(id);
    if (!peer.ackScheduled) {
      peer.ackScheduled = true;
      setImmediate(() => this.#flushAcks(conn, peer));
    }
  }

  /** The peer could not store these forwards: they fail as if it had closed (the publisher is not acked). */
  handleNacks(conn: PeerConnection, body: Buffer): void {
    const peer = this.#peers.get(conn.peer.name);
    if (!peer) return;
    forEachForwardAck(body, (id) => {
      const fanout = peer.pending.get(id);
      if (!fanout) return;
      peer.pending.delete(id);
      fanout.remaining--;
      (fanout.failed ??= []).push(conn.peer.name);
      this.#settleIfDone(fanout);
    });
  }

  handleAcks(conn: PeerConnection, body: Buffer): void {
    const peer = this.#peers.get(conn.peer.name);
    if (!peer) return;
    this.#ackPeer = peer;
    this.#ackNow = this.#o.now();
    forEachForwardAck(body, this.#onAck);
    this.#ackPeer = undefined;
  }

  // One bound visitor for every ack id (no closure per ack frame).
  #ackPeer: PeerState | undefined;
  #ackNow = 0;
  readonly #onAck = (id: number): void => {
    const peer = this.#ackPeer!;
    const fanout = peer.pending.get(id);
    if (!fanout) return; // already failed by a timeout or a closed connection
    peer.pending.delete(id);
    fanout.remaining--;
    this.#latency.observe((this.#ackNow - fanout.startedAt) / 1000);
    this.#settleIfDone(fanout);
  };

  /** The connection to `node` is gone: its unacked forwards fail (they may be lost). */
  peerDown(node: string): void {
    const peer = this.#peers.get(node);
    if (!peer) return;
    this.#failPending(node, peer, () => true);
    peer.acks.length = 0;
    peer.nacks.length = 0;
  }

  /**
   * `node` turned silent (suspect: nothing heard for suspectAfterMs, its connection maybe still open,
   * as in a network cut): its unacked forwards fail now rather than at ackTimeoutMs, so their
   * publishers are refused (v5) or resend (3.1.1) at once. Acks owed to it stay queued: if the link
   * lives on, it still gets them. A late ack of a failed forward is ignored.
   */
  peerUnreachable(node: string): void {
    const peer = this.#peers.get(node);
    if (peer !== undefined) this.#failPending(node, peer, () => true);
  }

  pendingCount(): number {
    let n = 0;
    for (const p of this.#peers.values()) n += p.pending.size;
    return n;
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#flushCounters();
    for (const [node, peer] of this.#peers) this.#failPending(node, peer, () => true);
  }

  #peer(node: string): PeerState {
    let p = this.#peers.get(node);
    if (!p) {
      const m = this.#o.metrics;
      const counters = { sent: m.forwardedMessages.labels(node), sentBytes: m.forwardedBytes.labels(node), received: m.receivedFromPeerMessages.labels(node), receivedBytes: m.receivedFromPeerBytes.labels(node) };
      this.#peers.set(node, (p = { pending: new Map(), acks: [], nacks: [], ackScheduled: false, strings: new ForwardStrings(), sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, counters }));
    }
    return p;
  }

  /** A fan-out for a new forward (reused from the pool when one is spare); the waiter holds one wait for it. */
  #fanout(waiter: AckWaiter): Fanout {
    waiter.hold();
    const f = this.#spare.pop();
    const now = this.#o.now();
    if (f === undefined) return { remaining: 0, failed: undefined, startedAt: now, waiter };
    f.startedAt = now;
    f.waiter = waiter;
    return f;
  }

  #nextUnnumbered(): number {
    this.#unnumbered = this.#unnumbered >= UNNUMBERED_LAST ? UNNUMBERED_FIRST : this.#unnumbered + 1;
    return this.#unnumbered;
  }

  /** Encodes into the scratch buffer, growing it for a message larger than it. */
  #encode(message: Message, id: number, groups: readonly string[], props: Buffer | undefined): number {
    const bound = forwardFrameBound(message, groups, props);
    if (bound > this.#scratch.length) this.#scratch = Buffer.allocUnsafeSlow(bound);
    return writeForward(this.#scratch, message, id, groups, props);
  }

  #countersChanged(): void {
    if (this.#countersScheduled) return;
    this.#countersScheduled = true;
    setImmediate(this.#flushCounters);
  }

  /** Adds the turn's per-peer counts to the metrics (also on close, so none is lost). */
  readonly #flushCounters = (): void => {
    this.#countersScheduled = false;
    for (const p of this.#peers.values()) {
      if (p.sent > 0) { p.counters.sent.inc(p.sent); p.counters.sentBytes.inc(p.sentBytes); p.sent = 0; p.sentBytes = 0; }
      if (p.received > 0) { p.counters.received.inc(p.received); p.counters.receivedBytes.inc(p.receivedBytes); p.received = 0; p.receivedBytes = 0; }
    }
  };

  /**
   * Sends the turn's acks and nacks and writes them at once: queued normally they would wait for
   * the connection's own flush, a setImmediate queued from this one, i.e. one more loop turn
   * (a whole poll phase of other sockets' reads) on the QoS 1 round trip.
   */
  #flushAcks(conn: PeerConnection, peer: PeerState): void {
    peer.ackScheduled = false;
    if (peer.acks.length > 0) {
      conn.send(encodeForwardAcks(peer.acks));
      peer.acks.length = 0;
    }
    if (peer.nacks.length > 0) {
      conn.send(encodeForwardAcks(peer.nacks, FRAME_KIND.forwardNack));
      peer.nacks.length = 0;
    }
    conn.flush();
  }

  /** Tells the waiter once the last node answered, and returns the fan-out to the pool. */
  #settleIfDone(fanout: Fanout): void {
    const waiter = fanout.waiter;
    if (fanout.remaining > 0 || waiter === undefined) return;
    const failed = fanout.failed;
    fanout.waiter = undefined;
    fanout.failed = undefined;
    if (this.#spare.length < FANOUT_POOL_MAX) this.#spare.push(fanout);
    waiter.settled(failed === undefined ? undefined : new ForwardError(`forward not acknowledged by ${failed.join(', ')}`, failed));
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
