// One authenticated mesh connection to a peer. Small frames are copied into a shared output slab
// and everything queued is written once per event-loop turn (one writev of a few large buffers);
// the output buffer is bounded so a slow or dead peer never stalls the others: QoS 0 frames are
// dropped past the soft bound, QoS 1/2 forwards refused past the hard bound (their publisher is
// told), and anything else past the hard bound closes the connection.
import type { Socket } from 'node:net';
import { FrameError, type FrameDecoder, type FrameKind } from './frame-codec.js';
import type { NodeIdentity } from './node-identity.js';

export interface PeerConnectionLimits {
  /** Past this many buffered bytes, droppable frames are dropped. */
  readonly softLimitBytes: number;
  /** Past this many, the peer is disconnected. */
  readonly hardLimitBytes: number;
  readonly maxFrameBytes: number;
}

/** What a send does when the peer's unsent output is over its bounds. */
export const OVERFLOW = {
  /** Control frames: over the hard bound the connection closes (losing one would desync the peer). */
  close: 0,
  /** QoS 0 forwards: dropped over the soft bound. */
  dropOverSoft: 1,
  /** QoS 1/2 forwards: refused over the hard bound, the connection kept (the caller fails that forward). */
  refuseOverHard: 2,
} as const;
export type OverflowPolicy = (typeof OVERFLOW)[keyof typeof OVERFLOW];

/** Output slabs: small frames are appended into one, so a turn's frames go out as a few large buffers. */
const SLAB_BYTES = 64 << 10;
/** Frames above this are queued as they are rather than copied. */
const COPY_MAX_BYTES = 4 << 10;

/** `silent`: nothing heard for downAfterMs (membership.ts): a network cut that left the socket open. */
export type PeerCloseReason = 'closed' | 'socket_error' | 'frame_error' | 'slow_peer' | 'duplicate' | 'replaced' | 'leave' | 'shutdown' | 'forgotten' | 'handler_error' | 'silent';

export interface PeerConnectionHandlers {
  onFrame(kind: FrameKind, body: Buffer): void;
  onClose(reason: PeerCloseReason, error: Error | undefined): void;
}

export class PeerConnection {
  readonly peer: NodeIdentity;
  /** Who opened the TCP connection; the dial-dedupe rule needs it. */
  readonly dialedBy: string;
  readonly address: string;
  readonly #socket: Socket;
  readonly #limits: PeerConnectionLimits;
  readonly #decoder: FrameDecoder;
  #handlers: PeerConnectionHandlers | undefined;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #slab: Buffer | undefined;
  #slabStart = 0;
  #slabEnd = 0;
  #flushScheduled = false;
  #closed = false;
  #drainWaiters: Array<() => void> = [];
  #lastReceivedAt: number;
  #dropped = 0;
  readonly #now: () => number;

  constructor(socket: Socket, peer: NodeIdentity, dialedBy: string, address: string, decoder: FrameDecoder, limits: PeerConnectionLimits, now: () => number) {
    this.#socket = socket;
    this.peer = peer;
    this.dialedBy = dialedBy;
    this.address = address;
    this.#decoder = decoder;
    this.#limits = limits;
    this.#now = now;
    this.#lastReceivedAt = now();
    decoder.limit(limits.maxFrameBytes);
    socket.setNoDelay(true);
  }

  /** Starts reading; `early` are frames the handshake read past its end. */
  start(handlers: PeerConnectionHandlers, early: ReadonlyArray<readonly [FrameKind, Buffer]>): void {
    this.#handlers = handlers;
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err) => this.close('socket_error', err));
    socket.on('close', () => this.close('closed'));
    this.#guard(() => { for (const [kind, body] of early) this.#dispatch(kind, body); });
    if (socket.destroyed) this.close('closed');
  }

  get closed(): boolean { return this.#closed; }
  get lastReceivedAt(): number { return this.#lastReceivedAt; }
  /** Bytes waiting: queued this turn plus what the socket has not yet handed to the kernel. */
  get bufferedBytes(): number { return this.#queuedBytes + this.#socket.writableLength; }
  get droppedFrames(): number { return this.#dropped; }

  /** Over the soft bound: QoS 0 forwards are being dropped, publishers should slow down. */
  get congested(): boolean { return this.bufferedBytes > this.#limits.softLimitBytes; }

  /** Queues a frame the caller hands over; returns false when it was dropped (droppable over the soft bound, or closed). */
  send(frame: Buffer, droppable = false): boolean {
    if (!this.#admit(frame.length, droppable ? OVERFLOW.dropOverSoft : OVERFLOW.close)) return false;
    if (frame.length > COPY_MAX_BYTES) {
      this.#seal();
      this.#queue.push(frame);
    } else {
      this.#copyIn(frame, frame.length);
    }
    this.#queued(frame.length);
    return true;
  }

  /**
   * Queues a copy of `src[0, length)`: the caller may reuse `src` at once (the forwarder encodes
   * every message into one scratch buffer). False when refused under `policy` or closed.
   */
  sendCopy(src: Buffer, length: number, policy: OverflowPolicy): boolean {
    if (!this.#admit(length, policy)) return false;
    if (length > COPY_MAX_BYTES) {
      this.#seal();
      this.#queue.push(Buffer.from(src.subarray(0, length)));
    } else {
      this.#copyIn(src, length);
    }
    this.#queued(length);
    return true;
  }

  #admit(length: number, policy: OverflowPolicy): boolean {
    if (this.#closed) return false;
    const buffered = this.bufferedBytes;
    if (policy === OVERFLOW.dropOverSoft && buffered + length > this.#limits.softLimitBytes) {
      this.#dropped++;
      return false;
    }
    if (buffered + length > this.#limits.hardLimitBytes) {
      if (policy === OVERFLOW.refuseOverHard) {
        this.#dropped++;
        return false;
      }
      this.close('slow_peer', new Error(`peer ${this.peer.name} has ${buffered} bytes unsent, over the bound of ${this.#limits.hardLimitBytes}`));
      return false;
    }
    return true;
  }

  #copyIn(src: Buffer, length: number): void {
    let slab = this.#slab;
    if (slab === undefined || this.#slabEnd + length > slab.length) {
      this.#seal();
      // Never rewritten once queued: a slab is replaced, not reused, as the socket may still hold it.
      slab = this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#slabStart = this.#slabEnd = 0;
    }
    src.copy(slab, this.#slabEnd, 0, length);
    this.#slabEnd += length;
  }

  /** Queues what the slab holds since the last seal, keeping frame order. */
  #seal(): void {
    if (this.#slab === undefined || this.#slabEnd === this.#slabStart) return;
    this.#queue.push(this.#slab.subarray(this.#slabStart, this.#slabEnd));
    this.#slabStart = this.#slabEnd;
  }

  #queued(length: number): void {
    this.#queuedBytes += length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Resolves once the buffered output is below half the soft bound (paces bulk senders such as snapshots). */
  whenWritable(): Promise<void> {
    if (this.#closed || this.bufferedBytes < this.#limits.softLimitBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Stops/resumes reading from this peer (its output backs up on its side; used to shed load and in tests). */
  pauseReading(): void { this.#socket.pause(); }
  resumeReading(): void { this.#socket.resume(); }

  close(reason: PeerCloseReason, error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#slab = undefined;
    if (reason === 'leave' || reason === 'shutdown') this.#socket.end();
    else this.#socket.destroy();
    // A socket that will not finish ending (a dead peer) must not linger.
    if (!this.#socket.destroyed) setTimeout(() => this.#socket.destroy(), 2000).unref();
    this.#onDrain();
    this.#handlers?.onClose(reason, error);
  }

  /** Writes now what is queued, then closes gracefully (used for `leave`). */
  flushAndEnd(): void {
    this.#flush();
    this.close('leave');
  }

  /** Writes now what is queued instead of at the flush already scheduled (latency-bound frames: acks). */
  flush(): void { this.#flush(); }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed) return;
    this.#seal();
    if (this.#queue.length === 0) return;
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    const socket = this.#socket;
    if (queue.length === 1) { socket.write(queue[0]!); return; }
    socket.cork();
    for (const frame of queue) socket.write(frame);
    socket.uncork();
  };

  #onDrain(): void {
    if (this.#drainWaiters.length === 0) return;
    if (!this.#closed && this.bufferedBytes >= this.#limits.softLimitBytes / 2) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  #onData(chunk: Buffer): void {
    this.#lastReceivedAt = this.#now();
    this.#guard(() => this.#decoder.push(chunk, (kind, body) => this.#dispatch(kind, body)));
  }

  // A bad frame, or a handler that cannot make sense of one, closes this peer only.
  #guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      if (err instanceof FrameError) this.close('frame_error', err);
      else this.close('handler_error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  #dispatch(kind: FrameKind, body: Buffer): void {
    if (this.#closed) return;
    this.#handlers!.onFrame(kind, body);
  }
}
