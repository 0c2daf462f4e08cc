// Opens many idle MQTT connections as cheaply as the client side allows: one pre-encoded
// CONNECT template with the client id's digits patched, no parser (a CONNACK is 4 bytes),
// no per-connection timer. The generator must open connections faster than the broker accepts them.
import net from 'node:net';
import type { Endpoint } from './bench-connection.js';
import { encodeConnect } from './mqtt-frames.js';

const ID_DIGITS = 7;
const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);

export interface BurstOptions {
  readonly endpoint: Endpoint;
  readonly count: number;
  readonly concurrency: number;
  readonly clientIdPrefix: string;
  readonly localAddress?: string | undefined;
  readonly timeoutMs: number;
}

/** Connections opened by a burst; they stay open until close(). */
export class ConnectionBurst {
  readonly #sockets: net.Socket[] = [];
  #accepted = 0;
  #lost = 0;
  #firstError: Error | undefined;

  get accepted(): number { return this.#accepted; }
  /** Accepted connections the broker closed afterwards. */
  get lost(): number { return this.#lost; }
  get firstError(): Error | undefined { return this.#firstError; }

  /** Resolves when `count` connections have a CONNACK; rejects on the first refusal or error. */
  async open(options: BurstOptions): Promise<void> {
    if (options.count >= 10 ** ID_DIGITS) throw new RangeError(`at most ${10 ** ID_DIGITS - 1} connections`);
    const template = encodeConnect(options.clientIdPrefix + '0'.repeat(ID_DIGITS), 0);
    const digitsAt = template.length - ID_DIGITS; // the client id is the last field of this CONNECT
    let started = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`only ${this.#accepted}/${options.count} connections accepted within ${options.timeoutMs} ms`)), options.timeoutMs);
      let settled = false;
      const fail = (err: Error): void => {
        this.#firstError ??= err;
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const startOne = (): void => {
        const index = started++;
        const connect = Buffer.from(template);
        connect.write(String(index).padStart(ID_DIGITS, '0'), digitsAt, 'latin1');
        const socket = net.connect({
          host: options.endpoint.host, port: options.endpoint.port,
          ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        });
        this.#sockets.push(socket);
        socket.write(connect);
        let acked = false;
        socket.on('data', (chunk: Buffer) => {
          if (acked) return;
          acked = true;
          if (chunk.length < 4 || chunk.compare(CONNACK_ACCEPTED, 0, 4, 0, 4) !== 0) {
            fail(new Error(`connection ${index} refused: ${chunk.subarray(0, 4).toString('hex')}`));
            return;
          }
          this.#accepted++;
          if (this.#accepted === options.count) {
            settled = true;
            clearTimeout(timer);
            resolve();
          } else if (started < options.count) startOne();
        });
        socket.on('error', (err) => fail(new Error(`connection ${index}: ${err.message}`, { cause: err })));
        socket.on('close', () => {
          if (acked) this.#lost++;
          else fail(new Error(`connection ${index} closed before CONNACK`));
        });
      };
      for (let i = 0; i < Math.min(options.concurrency, options.count); i++) startOne();
    });
  }

  /** Closes every connection (without DISCONNECT: the broker sees idle clients go). */
  close(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.length = 0;
  }
}
