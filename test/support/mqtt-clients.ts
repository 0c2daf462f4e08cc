// Promise helpers over the `mqtt` package for black-box tests: connect and get the CONNACK
// (or the refusal's reason code), subscribe and get the SUBACK codes, publish and await the
// ack, and every received message in a queue the test awaits with a timeout.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type {
  IClientOptions, IClientPublishOptions, IClientSubscribeOptions, IConnackPacket, IDisconnectPacket,
  IPublishPacket, MqttClient, Packet,
} from 'mqtt';
import { AsyncQueue } from './async-queue.js';

export { mosquittoPub, mosquittoSub, type MosquittoSub, type MosquittoMessage } from './mosquitto-cli.js';

export type ProtocolVersion = 3 | 4 | 5;

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  text: string;
  packet: IPublishPacket;
}

/** A refused or failed connection attempt: `reasonCode` is the CONNACK code, undefined if none came. */
export class ConnectError extends Error {
  readonly reasonCode: number | undefined;
  constructor(message: string, reasonCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.reasonCode = reasonCode;
  }
}

export function randomClientId(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface TestClientOptions extends IClientOptions {
  /** 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0. */
  protocolVersion?: ProtocolVersion;
}

/**
 * Parses the server's bytes as they arrive. mqtt.js handles packets one at a time and
 * asynchronously (a QoS 1 PUBLISH waits for its PUBACK write), so a socket close can overtake a
 * DISCONNECT queued behind PUBLISHes in the same read: mqtt.js then never emits it, yet the
 * server did send it. Tests assert what was on the wire.
 */
class WireTap {
  readonly disconnects: IDisconnectPacket[] = [];
  onDisconnect: ((packet: IDisconnectPacket) => void) | undefined;

  constructor(client: MqttClient, protocolVersion: number) {
    const parser = mqttPacket.parser({ protocolVersion });
    parser.on('packet', (packet: Packet) => {
      if (packet.cmd !== 'disconnect') return;
      this.disconnects.push(packet);
      this.onDisconnect?.(packet);
    });
    // A parse error is mqtt.js's to report (it closes the client); the tap just stops reading.
    parser.on('error', () => { client.stream.removeListener('data', onData); });
    const onData = (chunk: Buffer): void => { parser.parse(chunk); };
    client.stream.on('data', onData);
  }
}

export class TestClient {
  readonly client: MqttClient;
  readonly connack: IConnackPacket;
  /** Messages in arrival order. */
  readonly messages = new AsyncQueue<ReceivedMessage>('message');
  /** DISCONNECT packets sent by the server (v5), recorded as they arrive on the socket. */
  readonly disconnects = new AsyncQueue<IDisconnectPacket>('server DISCONNECT');
  /** Every packet received, for assertions on acks. */
  readonly packets = new AsyncQueue<Packet>('packet');
  readonly errors: Error[] = [];
  readonly closed: Promise<void>;
  #isClosed = false;

  private constructor(client: MqttClient, connack: IConnackPacket, early: { messages: ReceivedMessage[]; packets: Packet[] }, wire: WireTap) {
    this.client = client;
    this.connack = connack;
    for (const m of early.messages) this.messages.push(m);
    for (const p of early.packets) this.packets.push(p);
    for (const p of wire.disconnects) this.disconnects.push(p);
    wire.onDisconnect = (packet) => this.disconnects.push(packet);
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload, text: payload.toString('utf8'), packet }));
    client.on('packetreceive', (packet) => this.packets.push(packet));
    client.on('error', (err) => this.errors.push(err));
    this.closed = new Promise((resolve) => {
      // Closed already when the CONNACK and the server's DISCONNECT arrived together.
      if (!client.connected) { this.#isClosed = true; resolve(); }
      client.once('close', () => { this.#isClosed = true; resolve(); });
    });
  }

  /** Connects and resolves once the CONNACK accepted the connection; rejects with ConnectError. */
  static async connect(url: string, options: TestClientOptions = {}): Promise<TestClient> {
    const opts: IClientOptions = {
      clientId: randomClientId(),
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
      ...options,
    };
    if (opts.protocolVersion === 3) opts.protocolId = 'MQIsdp';
    const client = mqtt.connect(url, opts);
    const wire = new WireTap(client, opts.protocolVersion ?? 4);
    // Messages may arrive in the same read as the CONNACK (a resumed session's queue).
    const early = { messages: [] as ReceivedMessage[], packets: [] as Packet[] };
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => { early.messages.push({ topic, payload, text: payload.toString('utf8'), packet }); };
    const onPacket = (packet: Packet): void => { early.packets.push(packet); };
    client.on('message', onMessage);
    client.on('packetreceive', onPacket);
    try {
      const connack = await new Promise<IConnackPacket>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('error', (err: Error & { code?: number }) => {
          reject(new ConnectError(`connect to ${url} failed: ${err.message}`, typeof err.code === 'number' ? err.code : undefined, { cause: err }));
        });
        client.once('close', () => {
          const refused = early.packets.find((p): p is IConnackPacket => p.cmd === 'connack');
          const code = refused ? (refused.reasonCode ?? refused.returnCode) : undefined;
          reject(new ConnectError(`connection to ${url} closed before an accepting CONNACK`, code));
        });
      });
      client.removeListener('message', onMessage);
      client.removeListener('packetreceive', onPacket);
      client.removeAllListeners('error');
      return new TestClient(client, connack, early, wire);
    } catch (err) {
      client.removeAllListeners('error');
      client.on('error', () => { /* already reported by the rejection */ });
      client.end(true);
      throw err;
    }
  }

  /** Connects expecting a refusal; resolves with the CONNACK reason code (undefined for a plain close). */
  static async connectRefused(url: string, options: TestClientOptions = {}): Promise<number | undefined> {
    let client: TestClient;
    try {
      client = await TestClient.connect(url, options);
    } catch (err) {
      if (err instanceof ConnectError) return err.reasonCode;
      throw err;
    }
    await client.destroy();
    throw new Error(`expected the connection to ${url} to be refused, but it was accepted`);
  }

  get isClosed(): boolean { return this.#isClosed; }

  /** Subscribes and returns the SUBACK reason codes (granted QoS or failure codes >= 0x80). */
  async subscribe(filter: string | string[] | Record<string, IClientSubscribeOptions>, options: Partial<IClientSubscribeOptions> = { qos: 0 }): Promise<number[]> {
    return await new Promise((resolve, reject) => {
      this.client.subscribe(filter, options as IClientSubscribeOptions, (err, _granted, packet) => {
        const suback = packet;
        if (suback?.granted) resolve(suback.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)));
        else reject(new Error(`subscribe ${JSON.stringify(filter)} failed`, { cause: err }));
      });
    });
  }

  async unsubscribe(filter: string | string[]): Promise<void> {
    await this.client.unsubscribeAsync(filter);
  }

  /** Publishes; for QoS 1/2 resolves after the PUBACK/PUBCOMP with its reason code (0 = success). */
  async publish(topic: string, payload: string | Buffer, options: IClientPublishOptions = {}): Promise<number> {
    return await new Promise((resolve, reject) => {
      this.client.publish(topic, payload, options, (err, packet) => {
        const code = (err as (Error & { code?: number }) | undefined)?.code;
        if (typeof code === 'number') resolve(code);
        else if (err) reject(new Error(`publish to ${topic} failed`, { cause: err }));
        else resolve((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
      });
    });
  }

  /** Clean DISCONNECT (no will); resolves when the socket is closed. */
  async disconnect(options: { reasonCode?: number; properties?: IDisconnectPacket['properties'] } = {}): Promise<void> {
    if (this.#isClosed) return;
    const opts: Record<string, unknown> = {};
    if (options.reasonCode !== undefined) opts['reasonCode'] = options.reasonCode;
    if (options.properties !== undefined) opts['properties'] = options.properties;
    await new Promise<void>((resolve) => this.client.end(false, opts, () => resolve()));
    await this.closed;
  }

  /** Drops the TCP connection without DISCONNECT (the will is published). */
  async destroy(): Promise<void> {
    if (!this.#isClosed) this.client.end(true);
    await this.closed;
  }
}

/** Connects a subscriber to `filters` and returns it once the SUBACK came back. */
export async function subscriber(url: string, filters: string | string[] | Record<string, IClientSubscribeOptions>, options: TestClientOptions & { qos?: 0 | 1 | 2 } = {}): Promise<TestClient> {
  const { qos = 0, ...connectOptions } = options;
  const client = await TestClient.connect(url, connectOptions);
  const codes = await client.subscribe(filters, { qos });
  if (codes.some((c) => c >= 0x80)) {
    await client.destroy();
    throw new Error(`subscription to ${JSON.stringify(filters)} refused: ${codes.join(',')}`);
  }
  return client;
}
