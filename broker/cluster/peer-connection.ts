// One authenticated mesh connection to a peer. Frames are queued and written once per
// event-loop turn (cork/uncork: one writev); the output buffer is bounded so a slow or dead
// peer never stalls the others: droppable (QoS 0) frames are dropped past the soft bound,
// and the connection is closed past the hard bound.
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

export type PeerCloseReason = 'closed' | 'socket_error' | 'frame_error' | 'slow_peer' | 'duplicate' | 'replaced' | 'leave' | 'shutdown' | 'forgotten' | 'handler_error';

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

  /** Queues a frame; returns false when it was dropped (droppable over the soft bound, or closed). */
  send(frame: Buffer, droppable = false): boolean {
    if (this.#closed) return false;
    const buffered = this.bufferedBytes;
    if (droppable && buffered + frame.length > this.#limits.softLimitBytes) {
      this.#dropped++;
      return false;
    }
    if (buffered + frame.length > this.#limits.hardLimitBytes) {
      this.close('slow_peer', new Error(`peer ${this.peer.name} has ${buffered} bytes unsent, over the bound of ${this.#limits.hardLimitBytes}`));
      return false;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    return true;
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

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.length === 0) return;
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
