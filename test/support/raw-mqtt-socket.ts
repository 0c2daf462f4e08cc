// A raw MQTT client over TCP for what high-level clients refuse to send: exact bytes
// (hand-built or from mqtt-packet `generate`) go out, decoded packets come back into a
// queue, and the test can await the server closing the connection.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { AsyncQueue } from './async-queue.js';

export class RawMqttSocket {
  readonly packets = new AsyncQueue<Packet>('packet');
  /** Resolves when the server closes (or resets) the connection. */
  readonly closed: Promise<void>;
  readonly protocolVersion: number;
  readonly #socket: net.Socket;
  #isClosed = false;
  #parseError: Error | undefined;
  #socketError: Error | undefined;

  private constructor(socket: net.Socket, protocolVersion: number) {
    this.#socket = socket;
    this.protocolVersion = protocolVersion;
    const parser = mqttPacket.parser({ protocolVersion });
    parser.on('packet', (packet) => this.packets.push(packet));
    parser.on('error', (err) => { this.#parseError = err; });
    socket.on('data', (chunk) => parser.parse(chunk));
    // A reset is how some closes arrive: `closed` reports it, `socketError` says which.
    socket.on('error', (err) => { this.#socketError ??= err; });
    this.closed = new Promise((resolve) => socket.once('close', () => { this.#isClosed = true; resolve(); }));
  }

  static async connect(host: string, port: number, protocolVersion = 4): Promise<RawMqttSocket> {
    const socket = net.connect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawMqttSocket(socket, protocolVersion);
  }

  /** Connects and completes a CONNECT/CONNACK exchange; throws unless accepted. */
  static async connected(host: string, port: number, connect: Partial<mqttPacket.IConnectPacket> = {}): Promise<RawMqttSocket> {
    const protocolVersion = connect.protocolVersion ?? 4;
    const raw = await RawMqttSocket.connect(host, port, protocolVersion);
    raw.sendPacket({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clean: true, clientId: `raw-${Math.random().toString(16).slice(2, 10)}`, keepalive: 60, ...connect });
    const connack = await raw.nextPacket('connack');
    const code = (connack as mqttPacket.IConnackPacket).reasonCode ?? (connack as mqttPacket.IConnackPacket).returnCode;
    if (code !== 0) { raw.destroy(); throw new Error(`raw CONNECT refused with ${String(code)}`); }
    return raw;
  }

  get isClosed(): boolean { return this.#isClosed; }
  get parseError(): Error | undefined { return this.#parseError; }
  /** The first socket error (ECONNRESET, EPIPE): the server reset the connection. */
  get socketError(): Error | undefined { return this.#socketError; }

  send(bytes: Buffer | number[]): void {
    this.#socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** Writes and resolves once the kernel took the bytes or the write failed. */
  async sendFlushed(bytes: Buffer | number[]): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), () => resolve()));
  }

  sendPacket(packet: Packet): void {
    this.send(encodePacket(packet, this.protocolVersion));
  }

  /** The next packet, optionally of a given type (others before it stay queued). */
  async nextPacket(cmd?: Packet['cmd'], timeoutMs = 5000): Promise<Packet> {
    return await this.packets.nextMatching((p) => cmd === undefined || p.cmd === cmd, timeoutMs, cmd ?? 'packet');
  }

  /** Resolves true if the server closes the connection within `timeoutMs`, else false. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const result = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up (a slow client). */
  pause(): void { this.#socket.pause(); }
  resume(): void { this.#socket.resume(); }

  destroy(): void { this.#socket.destroy(); }
}

export function encodePacket(packet: Packet, protocolVersion = 4): Buffer {
  return mqttPacket.generate(packet, { protocolVersion });
}

/** Variable-length Remaining Length encoding [MQTT-1.5.5 / 2.2.3]. */
export function encodeRemainingLength(length: number): number[] {
  const out: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    out.push(byte);
  } while (length > 0);
  return out;
}

/** A UTF-8 string with its two-byte length prefix. */
export function mqttString(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

/** A fixed header byte plus remaining length around `body`. */
export function frame(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte, ...encodeRemainingLength(body.length)]), body]);
}

/** A hand-built CONNECT (3.1.1 layout, no will/credentials) for what mqtt-packet refuses to encode. */
export function connectBytes(o: { protocolName?: string; level?: number; flags?: number; keepalive?: number; clientId?: string; firstByte?: number } = {}): Buffer {
  const body = Buffer.concat([
    mqttString(o.protocolName ?? 'MQTT'),
    Buffer.from([o.level ?? 4, o.flags ?? 0x02, (o.keepalive ?? 60) >> 8, (o.keepalive ?? 60) & 0xff]),
    ...(o.level === 5 ? [Buffer.from([0])] : []),
    mqttString(o.clientId ?? 'raw'),
  ]);
  return frame(o.firstByte ?? 0x10, body);
}

/** A hand-built v5 PUBLISH with raw property bytes (e.g. a repeated or truncated property). */
export function publishV5Bytes(o: { topic: string; qos?: 0 | 1 | 2; packetId?: number; properties?: number[]; payload?: string; retain?: boolean }): Buffer {
  const qos = o.qos ?? 0;
  const props = Buffer.from(o.properties ?? []);
  const parts = [mqttString(o.topic)];
  if (qos > 0) parts.push(Buffer.from([(o.packetId ?? 1) >> 8, (o.packetId ?? 1) & 0xff]));
  parts.push(Buffer.from(encodeRemainingLength(props.length)), props, Buffer.from(o.payload ?? '', 'utf8'));
  return frame(0x30 | (qos << 1) | (o.retain ? 1 : 0), Buffer.concat(parts));
}

/** A hand-built v5 CONNECT with raw property bytes. */
export function connectV5Bytes(o: { clientId?: string; properties?: number[]; flags?: number }): Buffer {
  const props = Buffer.from(o.properties ?? []);
  const body = Buffer.concat([
    mqttString('MQTT'), Buffer.from([5, o.flags ?? 0x02, 0, 60]),
    Buffer.from(encodeRemainingLength(props.length)), props,
    mqttString(o.clientId ?? 'raw5'),
  ]);
  return frame(0x10, body);
}
