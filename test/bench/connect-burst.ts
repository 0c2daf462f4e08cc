// Opens many idle MQTT connections as cheaply as the client side allows, so that a connection
// rate measures the broker: every CONNECT is cut from one pre-encoded slab (client id digits
// patched in), replies land in one shared read buffer (`onread`, no Buffer per read), the socket
// handlers are shared functions (no closures per connection) and a CONNACK is matched byte-wise.
import net from 'node:net';
import type { Endpoint } from './bench-connection.js';
import { encodeConnect } from './mqtt-frames.js';

const ID_DIGITS = 7;
/** 3.1.1 CONNACK, session not present, accepted: the only reply an anonymous clean CONNECT gets. */
const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);
/** Every socket's reads land here: the burst only looks at the first bytes a socket receives. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(4096);

export interface BurstOptions {
  readonly endpoint: Endpoint;
  readonly count: number;
  /** Connections waiting for their CONNACK at any time. */
  readonly concurrency: number;
  readonly clientIdPrefix: string;
  readonly localAddress?: string | undefined;
  readonly timeoutMs: number;
}

const kBurst = Symbol('burst');
/** Per-socket state lives on the socket itself: its burst, and how many CONNACK bytes matched. */
type BurstSocket = net.Socket & { [kBurst]: ConnectionBurst; matched: number; index: number };

/** Connections opened by a burst; they stay open until close(). */
export class ConnectionBurst {
  readonly #sockets: net.Socket[] = [];
  #accepted = 0;
  #lost = 0;
  #started = 0;
  #firstError: Error | undefined;
  #run: { options: BurstOptions; slab: Buffer; frameLength: number; resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout } | undefined;

  get accepted(): number { return this.#accepted; }
  /** Accepted connections the broker closed afterwards. */
  get lost(): number { return this.#lost; }
  get firstError(): Error | undefined { return this.#firstError; }

  /** Resolves when `count` connections have a CONNACK; rejects on the first refusal or error. */
  async open(options: BurstOptions): Promise<void> {
    if (options.count >= 10 ** ID_DIGITS) throw new RangeError(`at most ${10 ** ID_DIGITS - 1} connections`);
    if (this.#run !== undefined) throw new Error('a burst is already opening');
    const slab = buildConnectSlab(options.clientIdPrefix, options.count);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`only ${this.#accepted}/${options.count} connections accepted within ${options.timeoutMs} ms`)), options.timeoutMs);
      this.#run = { options, slab, frameLength: slab.length / options.count, resolve, reject, timer };
      const first = Math.min(options.concurrency, options.count);
      for (let i = 0; i < first; i++) this.#startOne();
    });
  }

  #startOne(): void {
    const run = this.#run;
    if (run === undefined) return;
    const index = this.#started++;
    const { endpoint, localAddress } = run.options;
    const socket = net.connect({
      host: endpoint.host, port: endpoint.port, onread: { buffer: SHARED_READ_BUFFER, callback: onRead },
      ...(localAddress === undefined ? {} : { localAddress }),
    }) as BurstSocket;
    socket[kBurst] = this;
    socket.matched = 0;
    socket.index = index;
    this.#sockets.push(socket);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(run.slab.subarray(index * run.frameLength, (index + 1) * run.frameLength));
  }

  /** Bytes arrived on a socket that has not seen its whole CONNACK yet. */
  onConnackBytes(socket: BurstSocket, bytes: Buffer, length: number): void {
    let i = 0;
    while (socket.matched < CONNACK_ACCEPTED.length && i < length) {
      if (bytes[i] !== CONNACK_ACCEPTED[socket.matched]) {
        this.#fail(new Error(`connection ${socket.index} refused: ${bytes.subarray(0, Math.min(length, 4)).toString('hex')}`));
        return;
      }
      socket.matched++;
      i++;
    }
    if (socket.matched < CONNACK_ACCEPTED.length) return;
    const run = this.#run;
    this.#accepted++;
    if (run === undefined) return;
    if (this.#accepted === run.options.count) this.#settle(undefined);
    else if (this.#started < run.options.count) this.#startOne();
  }

  onSocketClose(socket: BurstSocket): void {
    if (socket.matched === CONNACK_ACCEPTED.length) this.#lost++;
    else this.#fail(new Error(`connection ${socket.index} closed before CONNACK`));
  }

  onSocketError(socket: BurstSocket, err: Error): void {
    this.#fail(new Error(`connection ${socket.index}: ${err.message}`, { cause: err }));
  }

  #fail(err: Error): void {
    this.#firstError ??= err;
    this.#settle(err);
  }

  #settle(err: Error | undefined): void {
    const run = this.#run;
    if (run === undefined) return;
    this.#run = undefined;
    clearTimeout(run.timer);
    if (err === undefined) run.resolve();
    else run.reject(err);
  }

  /** Closes every connection (without DISCONNECT: the broker sees idle clients go). */
  close(): void {
    this.#settle(new Error('burst closed'));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.length = 0;
  }
}

/** `count` CONNECT frames back to back, client ids `<prefix><index, 7 digits>`. */
export function buildConnectSlab(clientIdPrefix: string, count: number): Buffer {
  const template = encodeConnect(clientIdPrefix + '0'.repeat(ID_DIGITS), 0);
  const digitsAt = template.length - ID_DIGITS; // the client id is the last field of this CONNECT
  const slab = Buffer.allocUnsafe(template.length * count);
  for (let i = 0; i < count; i++) {
    const at = i * template.length;
    template.copy(slab, at);
    slab.write(String(i).padStart(ID_DIGITS, '0'), at + digitsAt, 'latin1');
  }
  return slab;
}

function onRead(this: BurstSocket, length: number, buffer: Buffer): boolean {
  if (this.matched < CONNACK_ACCEPTED.length) this[kBurst].onConnackBytes(this, buffer, length);
  return true;
}

function onError(this: BurstSocket, err: Error): void {
  this[kBurst].onSocketError(this, err);
}

function onClose(this: BurstSocket): void {
  this[kBurst].onSocketClose(this);
}
