// The mesh side of session hand-off: relayed deliveries, the route barrier a new owner runs before
// telling the old one its relay may end, and a draining node's requests that a peer take sessions
// (the peer claims each through the takeover protocol, so fencing and races are the usual ones).
// Only between nodes whose heartbeats carry their state. Rules: INVARIANTS.md "Hand-off".
import type { Logger } from '../log/logger.js';
import type { StoredDelivery } from '../store/store.js';
import type { ControlFrame } from './control-frames.js';
import { encodeControl } from './frame-codec.js';
import type { PeerConnection } from './peer-connection.js';
import type { SessionTakeover } from './session-takeover.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

/** What the link needs of the broker (broker.ts implements it). */
export interface HandoffBroker {
  /** A session handed to this node by a draining one: install it offline. */
  adoptSession(snapshot: unknown): boolean;
  deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): void;
  endRelay(clientId: string, relay: number): void;
  handedOn(clientId: string, node: string): void;
}

export interface HandoffLinkDeps {
  readonly self: string;
  readonly connection: (node: string) => PeerConnection | undefined;
  readonly connected: () => PeerConnection[];
  /** The node speaks the hand-off frames (its heartbeats carry its state). */
  readonly isCapable: (node: string) => boolean;
  /** This node has applied `node`'s route changes as far as it has received them (no snapshot under way). */
  readonly isRouteSynced: (node: string) => boolean;
  /** This node drains: it takes no sessions. */
  readonly isDraining: () => boolean;
  readonly takeover: SessionTakeover;
  readonly broker: () => HandoffBroker | undefined;
  /** A relayed delivery as the broker takes it (parsed: a peer's data). */
  readonly parseDelivery: (value: unknown) => StoredDelivery;
  readonly logger: Logger;
  readonly now: () => number;
  /** A barrier waits at most this long for a silent peer. */
  readonly barrierTimeoutMs: number;
  /** A peer refused sessions this node asked it to take (it drains too). */
  readonly onRefused?: (node: string, clientIds: string[]) => void;
  /** A peer answered `leave` with `bye`. */
  readonly onBye?: (node: string) => void;
}

/** Frames are kept well under the mesh's cap even with long client ids. */
const BATCH_BYTES = 256 << 10;
/** A route-sync snapshot under way delays a sync-ack: checked this often. */
const SYNC_RETRY_MS = 20;

interface Barrier { readonly waiting: Set<string>; readonly acks: Map<string, Array<{ c: string; r: number }>>; readonly timer: NodeJS.Timeout }

export class HandoffLink {
  readonly #d: HandoffLinkDeps;
  /** Imports not yet covered by a barrier: old owner -> (client id, relay id). */
  #imported = new Map<string, Array<{ c: string; r: number }>>();
  #barrierScheduled = false;
  readonly #barriers = new Map<number, Barrier>();
  #nextBarrier = 1;
  readonly #deferredSyncAcks = new Set<NodeJS.Timeout>();

  constructor(deps: HandoffLinkDeps) {
    this.#d = deps;
  }

  // HandoffTransport (session-handoff.ts)

  relayCapable(node: string): boolean {
    return this.#d.isCapable(node) && this.#d.connection(node) !== undefined;
  }

  sendRelay(node: string, clientId: string, delivery: StoredDelivery, hops: number): boolean {
    const conn = this.#d.connection(node);
    if (conn === undefined || conn.closed || hops > 16) return false;
    return conn.send(encodeControl({ t: 'relay', c: clientId, h: hops, d: encodeSnapshot(delivery) }));
  }

  imported(clientId: string, from: string, relay: number): void {
    let ids = this.#imported.get(from);
    if (ids === undefined) this.#imported.set(from, (ids = []));
    ids.push({ c: clientId, r: relay });
    if (this.#barrierScheduled) return;
    this.#barrierScheduled = true;
    // After this turn: the route changes of the import are flushed (route-sync.ts, a microtask) ahead of the barrier.
    setImmediate(() => this.#startBarrier());
  }

  // Draining side

  /** Asks `node` to take these sessions; false when it cannot be asked (no link, or an older node). */
  requestHandoff(node: string, sessions: ReadonlyArray<{ clientId: string; username: string | undefined }>): boolean {
    const conn = this.#d.connection(node);
    if (conn === undefined || conn.closed || !this.#d.isCapable(node)) return false;
    let batch: Array<{ c: string; u: string | null }> = [];
    let bytes = 0;
    for (const s of sessions) {
      batch.push({ c: s.clientId, u: s.username ?? null });
      bytes += 3 * (s.clientId.length + (s.username?.length ?? 0)) + 16;
      if (bytes >= BATCH_BYTES) {
        if (!conn.send(encodeControl({ t: 'ho-req', s: batch }))) return false;
        batch = [];
        bytes = 0;
      }
    }
    return batch.length === 0 || conn.send(encodeControl({ t: 'ho-req', s: batch }));
  }

  /** Handles a hand-off frame; false for frames of other kinds. */
  handle(conn: PeerConnection, frame: ControlFrame): boolean {
    const from = conn.peer.name;
    switch (frame.t) {
      case 'relay':
        this.#d.broker()?.deliverRelayed(frame.c, this.#d.parseDelivery(decodeSnapshot(frame.d)), frame.h);
        return true;
      case 'ho-req': this.#onRequest(conn, frame.s); return true;
      case 'ho-refuse': this.#d.onRefused?.(from, frame.c); return true;
      case 'ho-ack': {
        const broker = this.#d.broker();
        for (const { c, r } of frame.s) broker?.endRelay(c, r);
        return true;
      }
      case 'sync-req': this.#answerSync(conn, frame.id); return true;
      case 'sync-ack': this.#onSyncAck(from, frame.id); return true;
      case 'bye': this.#d.onBye?.(from); return true;
      default: return false;
    }
  }

  /** `node` is gone: barriers stop waiting for it. */
  peerDown(node: string): void {
    for (const [id, barrier] of this.#barriers) if (barrier.waiting.delete(node)) this.#maybeFinish(id, barrier);
  }

  close(): void {
    for (const b of this.#barriers.values()) clearTimeout(b.timer);
    this.#barriers.clear();
    for (const t of this.#deferredSyncAcks) clearTimeout(t);
    this.#deferredSyncAcks.clear();
  }

  #onRequest(conn: PeerConnection, sessions: ReadonlyArray<{ c: string; u: string | null }>): void {
    if (this.#d.isDraining()) {
      // The asker had not heard yet that this node drains (its heartbeat crossed the request).
      this.#d.logger.info('refused sessions a peer asked this draining node to take', { peer: conn.peer.name, sessions: sessions.length });
      conn.send(encodeControl({ t: 'ho-refuse', c: sessions.map((s) => s.c) }));
      return;
    }
    for (const { c: clientId, u: username } of sessions) {
      // Claimed as a CONNECT would be: the drainer, owning it, answers with the snapshot (and keeps a relay).
      this.#d.takeover.claim(clientId, username).then((outcome) => {
        if (!outcome.won || outcome.snapshot === null || outcome.snapshot === undefined) return;
        this.#d.broker()?.adoptSession(decodeSnapshot(outcome.snapshot));
      }, (err: unknown) => this.#d.logger.error('claiming a handed-over session failed', { clientId, err }));
    }
  }

  #startBarrier(): void {
    this.#barrierScheduled = false;
    const acks = this.#imported;
    this.#imported = new Map();
    const id = this.#nextBarrier++;
    const waiting = new Set<string>();
    for (const conn of this.#d.connected()) {
      const name = conn.peer.name;
      if (!this.#d.isCapable(name)) continue; // an older node cannot answer; its routes come as they come
      if (conn.send(encodeControl({ t: 'sync-req', id }))) waiting.add(name);
    }
    const timer = setTimeout(() => {
      const barrier = this.#barriers.get(id);
      if (barrier === undefined) return;
      this.#d.logger.warn('route barrier timed out: relays end without every peer confirming', { waiting: [...barrier.waiting] });
      barrier.waiting.clear();
      this.#maybeFinish(id, barrier);
    }, this.#d.barrierTimeoutMs);
    timer.unref();
    const barrier: Barrier = { waiting, acks, timer };
    this.#barriers.set(id, barrier);
    this.#maybeFinish(id, barrier);
  }

  #onSyncAck(from: string, id: number): void {
    const barrier = this.#barriers.get(id);
    if (barrier?.waiting.delete(from)) this.#maybeFinish(id, barrier);
  }

  #maybeFinish(id: number, barrier: Barrier): void {
    if (barrier.waiting.size > 0) return;
    clearTimeout(barrier.timer);
    this.#barriers.delete(id);
    for (const [node, imports] of barrier.acks) {
      const conn = this.#d.connection(node);
      for (let i = 0; i < imports.length; i += 10_000) conn?.send(encodeControl({ t: 'ho-ack', s: imports.slice(i, i + 10_000) }));
    }
  }

  /** FIFO: the request came after the sender's route changes; acked once they are applied here. */
  #answerSync(conn: PeerConnection, id: number, deadline = this.#d.now() + this.#d.barrierTimeoutMs): void {
    if (this.#d.isRouteSynced(conn.peer.name) || this.#d.now() >= deadline) {
      conn.send(encodeControl({ t: 'sync-ack', id }));
      return;
    }
    const timer = setTimeout(() => {
      this.#deferredSyncAcks.delete(timer);
      if (!conn.closed) this.#answerSync(conn, id, deadline);
    }, SYNC_RETRY_MS);
    timer.unref();
    this.#deferredSyncAcks.add(timer);
  }
}
