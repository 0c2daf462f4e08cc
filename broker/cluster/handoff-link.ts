// The mesh side of session hand-off: relayed deliveries and their acknowledgements, the route barrier
// (a new owner runs it before telling the old one its relay may end; the old one before ending it),
// and a draining node's requests that a peer take sessions (the peer claims each through the takeover
// protocol, so fencing and races are the usual ones). Only between nodes whose heartbeats carry their
// state. Rules: INVARIANTS.md "Hand-off".
import type { Logger } from '../contract/logger.js';
import type { StoredDelivery } from '../store/store.js';
import { HANDOFF_VERSION, type ControlFrame } from './control-frames.js';
import { encodeControl } from './frame-codec.js';
import type { PeerConnection } from './peer-connection.js';
import type { SessionTakeover } from './session-takeover.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

/** What the link needs of the broker (broker.ts implements it). */
export interface HandoffBroker {
  /** A session handed to this node by a draining one: install it offline. */
  adoptSession(snapshot: unknown): boolean;
  /** Undefined: held here now; a promise: held (or not: rejected) once it settles (session-handoff.ts). */
  deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): Promise<void> | undefined;
  /** `node` holds (`ok`) or refused the deliveries this node relayed to it with these ack ids. */
  relayAcked(node: string, ids: readonly number[], ok: boolean): void;
  /** The link to `node` closed: what it had not acknowledged may be lost there. */
  relayLinkDown(node: string): void;
  endRelay(clientId: string, relay: number): void;
  handedOn(clientId: string, node: string): void;
}

export interface HandoffLinkDeps {
  readonly self: string;
  readonly connection: (node: string) => PeerConnection | undefined;
  readonly connected: () => PeerConnection[];
  /** The node speaks the hand-off frames (its heartbeats carry its state). */
  readonly isCapable: (node: string) => boolean;
  /** The hand-off protocol version the node speaks (HANDOFF_VERSION), 0 when none. */
  readonly handoffVersion: (node: string) => number;
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

/** A route barrier: the peers yet to answer, then what to do (acknowledge imports, end relays). */
interface Barrier { readonly waiting: Set<string>; readonly done: () => void; readonly timer: NodeJS.Timeout }
/** Relay acknowledgements of one turn, per connection: ids held, ids refused. */
interface RelayAnswers { readonly ok: number[]; readonly refused: number[] }

export class HandoffLink {
  readonly #d: HandoffLinkDeps;
  /** Imports not yet covered by a barrier: old owner -> (client id, relay id). */
  #imported = new Map<string, Array<{ c: string; r: number }>>();
  #barrierScheduled = false;
  readonly #barriers = new Map<number, Barrier>();
  #nextBarrier = 1;
  readonly #deferredSyncAcks = new Set<NodeJS.Timeout>();
  readonly #relayAnswers = new Map<PeerConnection, RelayAnswers>();

  constructor(deps: HandoffLinkDeps) {
    this.#d = deps;
  }

  // HandoffTransport (session-handoff.ts)

  relayCapable(node: string): boolean {
    return this.#d.isCapable(node) && this.#d.connection(node) !== undefined;
  }

  acksRelays(node: string): boolean {
    return this.#d.handoffVersion(node) >= HANDOFF_VERSION;
  }

  sendRelay(node: string, clientId: string, delivery: StoredDelivery, hops: number, ack: number | undefined): boolean {
    const conn = this.#d.connection(node);
    if (conn === undefined || conn.closed || hops > 16) return false;
    const d = encodeSnapshot(delivery);
    return conn.send(encodeControl(ack === undefined ? { t: 'relay', c: clientId, h: hops, d } : { t: 'relay', c: clientId, h: hops, d, k: ack }));
  }

  barrier(): Promise<void> {
    return new Promise((resolve) => this.#startBarrier(resolve));
  }

  imported(clientId: string, from: string, relay: number): void {
    let ids = this.#imported.get(from);
    if (ids === undefined) this.#imported.set(from, (ids = []));
    ids.push({ c: clientId, r: relay });
    if (this.#barrierScheduled) return;
    this.#barrierScheduled = true;
    // After this turn: the route changes of the import are flushed (route-sync.ts, a microtask) ahead of the barrier.
    setImmediate(() => {
      this.#barrierScheduled = false;
      const acks = this.#imported;
      this.#imported = new Map();
      this.#startBarrier(() => this.#ackImports(acks));
    });
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
      case 'relay': {
        const held = this.#d.broker()?.deliverRelayed(frame.c, this.#d.parseDelivery(decodeSnapshot(frame.d)), frame.h);
        const k = frame.k;
        if (k === undefined) return true;
        // The sender acknowledges the publish it relayed once we say we hold it: not before.
        if (held === undefined) this.#answerRelay(conn, k, true);
        else held.then(() => this.#answerRelay(conn, k, true), () => this.#answerRelay(conn, k, false));
        return true;
      }
      case 'relay-ack': this.#d.broker()?.relayAcked(from, frame.k, frame.n !== true); return true;
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

  /** `node` is gone: barriers stop waiting for it; what it had not acknowledged of our relays fails. */
  peerDown(node: string): void {
    for (const [id, barrier] of this.#barriers) if (barrier.waiting.delete(node)) this.#maybeFinish(id, barrier);
    this.#d.broker()?.relayLinkDown(node);
  }

  close(): void {
    // Nothing answers them any more: what waits on a barrier goes on (the node is leaving).
    const barriers = [...this.#barriers.values()];
    this.#barriers.clear();
    for (const b of barriers) { clearTimeout(b.timer); b.done(); }
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

  /** Sends `sync-req` to every peer that can answer; `done` once all did (or went away, or the bound passed). */
  #startBarrier(done: () => void): void {
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
    const barrier: Barrier = { waiting, done, timer };
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
    barrier.done();
  }

  /** Our routes for these imports are known everywhere: their old owners may end the relays. */
  #ackImports(acks: ReadonlyMap<string, Array<{ c: string; r: number }>>): void {
    for (const [node, imports] of acks) {
      const conn = this.#d.connection(node);
      for (let i = 0; i < imports.length; i += 10_000) conn?.send(encodeControl({ t: 'ho-ack', s: imports.slice(i, i + 10_000) }));
    }
  }

  /** Queues a relay acknowledgement; a turn's answers on a connection leave in one frame each way. */
  #answerRelay(conn: PeerConnection, k: number, ok: boolean): void {
    if (conn.closed) return;
    let answers = this.#relayAnswers.get(conn);
    if (answers === undefined) {
      this.#relayAnswers.set(conn, (answers = { ok: [], refused: [] }));
      if (this.#relayAnswers.size === 1) setImmediate(() => this.#flushRelayAnswers());
    }
    (ok ? answers.ok : answers.refused).push(k);
  }

  #flushRelayAnswers(): void {
    for (const [conn, { ok, refused }] of this.#relayAnswers) {
      for (let i = 0; i < ok.length; i += 100_000) conn.send(encodeControl({ t: 'relay-ack', k: ok.slice(i, i + 100_000) }));
      for (let i = 0; i < refused.length; i += 100_000) conn.send(encodeControl({ t: 'relay-ack', k: refused.slice(i, i + 100_000), n: true }));
    }
    this.#relayAnswers.clear();
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
