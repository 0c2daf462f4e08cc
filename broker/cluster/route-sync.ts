// Route replication. Each node owns its entries and streams deltas ('+f'/'-f', one sequence
// number each, per incarnation) to every peer; a peer that sees a gap, meets the owner for the
// first time or again after a partition asks for a chunked snapshot. Rules: INVARIANTS.md.
import type { Logger } from '../contract/logger.js';
import type { ControlFrame, ControlFrameOf } from './control-frames.js';
import { encodeControl } from './frame-codec.js';
import { decodeRouteChunk, encodeRouteChunk } from './route-chunk-codec.js';
import type { NodeIdentity } from './node-identity.js';
import type { PeerConnection } from './peer-connection.js';
import type { RouteTable } from './route-table.js';

const CHUNK_BYTES = 512 * 1024;
/** A binary chunk: ~3,000 routes of 40 bytes, a few ms to insert on the receiver. */
const BINARY_CHUNK_BYTES = 128 * 1024;

export interface RouteSyncOptions {
  readonly identity: NodeIdentity;
  readonly table: RouteTable;
  readonly logger: Logger;
  /** Filters per snapshot chunk frame (at most). */
  readonly chunkSize?: number;
  /** The connections to broadcast deltas to. */
  readonly peers: () => Iterable<PeerConnection>;
}

/** What this node knows of one remote owner's stream. */
interface RemoteOwner {
  incarnation: string | undefined;
  /** Last sequence number applied; -1 before any snapshot. */
  seq: number;
  requested: boolean;
  /**
   * `seen`: the filters received, to remove what the snapshot no longer has; undefined when this node
   * held none of the owner's routes at the begin (nothing can be stale: deltas wait in `pending`).
   */
  snapshot: { seq: number; seen: Set<string> | undefined; received: number; pending: Array<ControlFrameOf<'routes'>> } | undefined;
}

export class RouteSync {
  readonly #o: RouteSyncOptions;
  readonly #log: Logger;
  readonly #remote = new Map<string, RemoteOwner>();
  readonly #sending = new WeakMap<PeerConnection, Promise<void>>();
  readonly #chunkSize: number;
  #seq = 0;
  #pendingOps: string[] = [];
  #pendingFirstSeq = 1;
  #flushScheduled = false;
  #snapshotsSent = 0;
  #snapshotsReceived = 0;

  constructor(options: RouteSyncOptions) {
    this.#o = options;
    this.#chunkSize = options.chunkSize ?? 4000;
    this.#log = options.logger.child({ component: 'route-sync' });
  }

  get seq(): number { return this.#seq; }
  get snapshotsSent(): number { return this.#snapshotsSent; }
  get snapshotsReceived(): number { return this.#snapshotsReceived; }

  /** This node holds `peer`'s routes as of a snapshot or later, with no snapshot asked for or under way. */
  isSynced(peer: string): boolean {
    const known = this.#remote.get(peer);
    return known !== undefined && known.seq >= 0 && !known.requested && known.snapshot === undefined;
  }

  /** The local node gained its first subscriber to `filter`. */
  addLocal(filter: string): void {
    if (this.#o.table.add(this.#o.identity.name, filter)) this.#queue('+' + filter);
  }

  /** The local node lost its last subscriber to `filter`. */
  removeLocal(filter: string): void {
    if (this.#o.table.remove(this.#o.identity.name, filter)) this.#queue('-' + filter);
  }

  /** A connection to `conn.peer` became the one in use: ask for whatever we may have missed. */
  peerUp(conn: PeerConnection): void {
    const known = this.#owner(conn.peer.name);
    known.snapshot = undefined;
    known.requested = true;
    const current = known.incarnation === conn.peer.incarnation;
    conn.send(encodeControl({ t: 'snap-req', inc: current ? conn.peer.incarnation : null, have: current && known.seq >= 0 ? known.seq : null, bin: true }));
  }

  peerDown(name: string): void {
    const known = this.#remote.get(name);
    if (!known) return;
    // A half-received snapshot is dropped: entries it added stay until the next full one (over-forwarding, never a loss).
    known.snapshot = undefined;
    known.requested = false;
  }

  /** The owner's life ended (restarted, left, forgotten): everything it owned goes. */
  dropOwner(name: string): number {
    this.#remote.delete(name);
    return this.#o.table.dropOwner(name);
  }

  handle(conn: PeerConnection, frame: ControlFrame): boolean {
    switch (frame.t) {
      case 'routes': this.#onRoutes(conn, frame); return true;
      case 'snap-req': this.#serialize(conn, () => this.#sendSnapshot(conn, frame)); return true;
      case 'snap-begin': this.#onSnapshotBegin(conn, frame); return true;
      case 'snap-chunk': this.#onSnapshotChunk(conn, frame); return true;
      case 'snap-end': this.#onSnapshotEnd(conn); return true;
      case 'snap-current': this.#owner(conn.peer.name).requested = false; return true;
      default: return false;
    }
  }

  // Two snapshots on one connection must not interleave their chunks.
  #serialize(conn: PeerConnection, work: () => Promise<void>): void {
    const previous = this.#sending.get(conn) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => {
      this.#log.error('sending a route snapshot failed', { peer: conn.peer.name, err });
      conn.close('handler_error', err instanceof Error ? err : new Error(String(err)));
    });
    this.#sending.set(conn, next);
  }

  #owner(name: string): RemoteOwner {
    let o = this.#remote.get(name);
    if (!o) this.#remote.set(name, (o = { incarnation: undefined, seq: -1, requested: false, snapshot: undefined }));
    return o;
  }

  #queue(op: string): void {
    this.#seq++;
    if (this.#pendingOps.length === 0) this.#pendingFirstSeq = this.#seq;
    this.#pendingOps.push(op);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // Same turn (a microtask): the deltas of one synchronous run — a session restored with its
      // subscriptions — go in one frame, written before the CONNACK or SUBACK that follows them.
      queueMicrotask(() => this.#flush());
    }
  }

  /** One routes frame per synchronous run carries every delta of that run to every peer. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pendingOps.length === 0) return;
    const frame = encodeControl({ t: 'routes', inc: this.#o.identity.incarnation, seq: this.#pendingFirstSeq, ops: this.#pendingOps });
    this.#pendingOps = [];
    for (const conn of this.#o.peers()) conn.send(frame);
  }

  async #sendSnapshot(conn: PeerConnection, req: ControlFrameOf<'snap-req'>): Promise<void> {
    const inc = this.#o.identity.incarnation;
    // Deltas up to now go out first, so the requester's position is exactly `seq`.
    this.#flush();
    if (req.inc === inc && req.have === this.#seq) {
      conn.send(encodeControl({ t: 'snap-current', inc, seq: this.#seq }));
      return;
    }
    // Copying the keys is the consistent point: later deltas (seq > this one) follow on the same connection.
    const filters = [...this.#o.table.ownerFilters(this.#o.identity.name)];
    conn.send(encodeControl({ t: 'snap-begin', inc, seq: this.#seq, count: filters.length }));
    let i = 0;
    while (i < filters.length) {
      await conn.whenWritable();
      if (conn.closed) return;
      // A chunk is bounded in count and in bytes, so it always fits a frame.
      const to = Math.min(filters.length, i + this.#chunkSize);
      if (req.bin === true) {
        const chunk = encodeRouteChunk(filters, i, to, BINARY_CHUNK_BYTES);
        conn.send(chunk.frame);
        i = chunk.end;
      } else {
        let end = i;
        let bytes = 0;
        while (end < to && bytes < CHUNK_BYTES) bytes += filters[end++]!.length + 3;
        conn.send(encodeControl({ t: 'snap-chunk', filters: filters.slice(i, end) }));
        i = end;
      }
      // Yield between chunks: a million routes must not hold the event loop.
      if (i < filters.length) await new Promise((r) => setImmediate(r));
    }
    if (!conn.closed) conn.send(encodeControl({ t: 'snap-end' }));
    this.#snapshotsSent++;
  }

  #request(conn: PeerConnection, known: RemoteOwner, why: string): void {
    if (known.requested) return;
    known.requested = true;
    this.#log.info('asking a peer for a route snapshot', { peer: conn.peer.name, why, have: known.seq });
    conn.send(encodeControl({ t: 'snap-req', inc: known.incarnation ?? null, have: known.seq >= 0 ? known.seq : null, bin: true }));
  }

  #onRoutes(conn: PeerConnection, frame: ControlFrameOf<'routes'>): void {
    const known = this.#owner(conn.peer.name);
    if (known.snapshot) { known.snapshot.pending.push(frame); return; }
    if (known.incarnation !== frame.inc) { this.#request(conn, known, 'unknown incarnation'); return; }
    this.#applyDeltas(conn, known, frame);
  }

  #applyDeltas(conn: PeerConnection, known: RemoteOwner, frame: ControlFrameOf<'routes'>): void {
    if (frame.seq > known.seq + 1) { this.#request(conn, known, `gap: expected ${known.seq + 1}, got ${frame.seq}`); return; }
    const table = this.#o.table;
    const owner = conn.peer.name;
    // Deltas at or below our position are already in (they raced a snapshot): skip them.
    for (let i = known.seq + 1 - frame.seq; i < frame.ops.length; i++) {
      const op = frame.ops[i]!;
      const filter = op.slice(1);
      if (op.charCodeAt(0) === 0x2b /* + */) table.add(owner, filter);
      else table.remove(owner, filter);
    }
    known.seq = Math.max(known.seq, frame.seq + frame.ops.length - 1);
  }

  #onSnapshotBegin(conn: PeerConnection, frame: ControlFrameOf<'snap-begin'>): void {
    const known = this.#owner(conn.peer.name);
    if (known.incarnation !== undefined && known.incarnation !== frame.inc) {
      // Normally membership dropped the old life already; be safe if the snapshot came first.
      this.#o.table.dropOwner(conn.peer.name);
      known.seq = -1;
    }
    known.incarnation = frame.inc;
    const held = this.#o.table.routeCountOf(conn.peer.name) > 0;
    known.snapshot = { seq: frame.seq, seen: held ? new Set() : undefined, received: 0, pending: [] };
  }

  #onSnapshotChunk(conn: PeerConnection, frame: ControlFrameOf<'snap-chunk'>): void {
    const snapshot = this.#owner(conn.peer.name).snapshot;
    if (!snapshot) return; // the begin was on a connection since replaced
    const owner = conn.peer.name;
    const table = this.#o.table;
    const seen = snapshot.seen;
    for (const filter of frame.filters) {
      seen?.add(filter);
      table.add(owner, filter);
    }
    snapshot.received += frame.filters.length;
  }

  /** A binary chunk (route-chunk-codec.ts): inserted as it is read, one closure per chunk. */
  handleChunk(conn: PeerConnection, body: Buffer): void {
    const snapshot = this.#remote.get(conn.peer.name)?.snapshot;
    const owner = conn.peer.name;
    const table = this.#o.table;
    const seen = snapshot?.seen;
    // Parsed even when no snapshot is under way (its begin was on a connection since replaced): a malformed one still closes the link.
    const count = decodeRouteChunk(body, snapshot === undefined ? ignore : seen === undefined ? (f) => { table.add(owner, f); } : (f) => { seen.add(f); table.add(owner, f); });
    if (snapshot !== undefined) snapshot.received += count;
  }

  #onSnapshotEnd(conn: PeerConnection): void {
    const known = this.#owner(conn.peer.name);
    const snapshot = known.snapshot;
    if (!snapshot) return;
    const owner = conn.peer.name;
    const stale: string[] = [];
    const seen = snapshot.seen;
    if (seen !== undefined) for (const filter of this.#o.table.ownerFilters(owner)) if (!seen.has(filter)) stale.push(filter);
    for (const filter of stale) this.#o.table.remove(owner, filter);
    known.snapshot = undefined;
    known.requested = false;
    known.seq = snapshot.seq;
    this.#snapshotsReceived++;
    this.#log.debug('route snapshot applied', { peer: owner, routes: snapshot.received, removed: stale.length, seq: snapshot.seq });
    for (const pending of snapshot.pending) {
      if (pending.inc === known.incarnation) this.#applyDeltas(conn, known, pending);
    }
  }
}

function ignore(): void {}
