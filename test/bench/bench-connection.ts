// One raw MQTT 3.1.1 client connection of the load generator: pre-encoded packets out,
// frames counted in by FrameScanner, QoS1 PUBACKs answered in one write per chunk.
import net from 'node:net';
import { encodeConnect, encodeDisconnect, encodeSubscribe, FrameScanner, PacketType, publishPacketId } from './mqtt-frames.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface ConnectOptions {
  readonly endpoint: Endpoint;
  readonly clientId: string;
  /** Source address, so runs do not exhaust one address's ephemeral ports. */
  readonly localAddress?: string | undefined;
  readonly keepalive?: number;
  readonly timeoutMs?: number;
  /** Clean session 0: a persistent session (3.1.1: it never expires). */
  readonly persistent?: boolean;
  /**
   * Set before the CONNECT goes out: a resumed session's queue may arrive in the same read as the
   * CONNACK (with `autoAck`, its QoS 1 messages are acknowledged from the first one).
   */
  readonly onPublish?: PublishHandler;
  readonly autoAck?: boolean;
}

/** Called for each PUBLISH received: first header byte, buffer, body start, frame end. */
export type PublishHandler = (first: number, buf: Buffer, bodyStart: number, end: number) => void;

const PUBACK_SIZE = 4;

export class BenchConnection {
  readonly #socket: net.Socket;
  readonly #scanner: FrameScanner;
  #onPublish: PublishHandler | undefined;
  #onPuback: ((count: number) => void) | undefined;
  #onChunk: (() => void) | undefined;
  #autoAck = false;
  #acks = Buffer.allocUnsafe(PUBACK_SIZE * 1024);
  #ackCount = 0;
  #pubacks = 0;
  #waiter: { type: number; resolve: () => void; reject: (err: Error) => void } | undefined;
  #error: Error | undefined;
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#scanner = new FrameScanner((first, buf, bodyStart, end) => this.#handleFrame(first, buf, bodyStart, end));
    socket.on('data', (chunk: Buffer) => this.#handleChunk(chunk));
    socket.on('error', (err) => this.#fail(new Error(`connection error: ${err.message}`, { cause: err })));
    socket.on('close', () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#fail(new Error('connection closed by the broker'));
    });
  }

  /** Connects, sends CONNECT and resolves on a successful CONNACK. */
  static async open(options: ConnectOptions): Promise<BenchConnection> {
    const socket = net.connect({
      host: options.endpoint.host,
      port: options.endpoint.port,
      noDelay: true,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const connection = new BenchConnection(socket);
    if (options.onPublish !== undefined) connection.onPublish(options.onPublish, options.autoAck ?? false);
    socket.write(encodeConnect(options.clientId, options.keepalive ?? 0, options.persistent !== true));
    try {
      await connection.#await(PacketType.CONNACK, options.timeoutMs ?? 10000);
    } catch (err) {
      socket.destroy();
      throw new Error(`could not connect ${options.clientId} to ${options.endpoint.host}:${options.endpoint.port}`, { cause: err });
    }
    return connection;
  }

  async subscribe(filter: string, qos: 0 | 1, timeoutMs = 10000): Promise<void> {
    this.#socket.write(encodeSubscribe(filter, qos, 1));
    await this.#await(PacketType.SUBACK, timeoutMs);
  }

  /** Routes received PUBLISH frames to `handler`; with `autoAck`, QoS1 ones are acknowledged. */
  onPublish(handler: PublishHandler, autoAck: boolean): void {
    this.#onPublish = handler;
    this.#autoAck = autoAck;
  }

  onPuback(handler: (count: number) => void): void {
    this.#onPuback = handler;
  }

  /** Called after each received chunk has been scanned (one pump per chunk, not per message). */
  onChunk(handler: () => void): void {
    this.#onChunk = handler;
  }

  write(data: Buffer): boolean {
    return this.#socket.write(data);
  }

  get pubacks(): number {
    return this.#pubacks;
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /** The first error seen (a closed or failed connection), if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Sends DISCONNECT (so no will fires, [MQTT-3.14.4-3]) and closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end(encodeDisconnect());
    this.#socket.destroySoon();
  }

  /** Closes without DISCONNECT, for teardown after a failure. */
  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #handleChunk(chunk: Buffer): void {
    try {
      this.#scanner.push(chunk);
    } catch (err) {
      this.#fail(new Error('malformed frame from the broker', { cause: err }));
      this.#socket.destroy();
      return;
    }
    if (this.#ackCount > 0) {
      this.#socket.write(Buffer.from(this.#acks.subarray(0, this.#ackCount * PUBACK_SIZE)));
      this.#ackCount = 0;
    }
    this.#onChunk?.();
  }

  #handleFrame(first: number, buf: Buffer, bodyStart: number, end: number): void {
    const type = first >> 4;
    if (type === PacketType.PUBLISH) {
      this.#onPublish?.(first, buf, bodyStart, end);
      if (this.#autoAck && (first & 0x06) !== 0) this.#queueAck(publishPacketId(buf, bodyStart));
    } else if (type === PacketType.PUBACK) {
      this.#pubacks++;
      this.#onPuback?.(1);
    } else if (type === PacketType.CONNACK) {
      const code = buf[bodyStart + 1];
      if (code !== 0) this.#fail(new Error(`CONNACK refused with return code ${code}`));
      else this.#settle(PacketType.CONNACK);
    } else if (type === PacketType.SUBACK) {
      const granted = buf[end - 1];
      if (granted === 0x80) this.#fail(new Error('SUBACK refused the subscription'));
      else this.#settle(PacketType.SUBACK);
    }
  }

  #queueAck(packetId: number): void {
    if ((this.#ackCount + 1) * PUBACK_SIZE > this.#acks.length) {
      const bigger = Buffer.allocUnsafe(this.#acks.length * 2);
      this.#acks.copy(bigger);
      this.#acks = bigger;
    }
    const at = this.#ackCount++ * PUBACK_SIZE;
    this.#acks[at] = 0x40;
    this.#acks[at + 1] = 2;
    this.#acks.writeUInt16BE(packetId, at + 2);
  }

  async #await(type: number, timeoutMs: number): Promise<void> {
    if (this.#error) throw this.#error;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no ${type === PacketType.CONNACK ? 'CONNACK' : 'SUBACK'} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        type,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      };
    });
  }

  #settle(type: number): void {
    const waiter = this.#waiter;
    if (waiter?.type !== type) return;
    this.#waiter = undefined;
    waiter.resolve();
  }

  #fail(err: Error): void {
    this.#error ??= err;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(err);
  }
}
