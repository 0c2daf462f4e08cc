// In-process end-to-end smoke test with the `mqtt` client (3.1.1 and 5.0) over real sockets.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { IClientOptions, MqttClient } from 'mqtt';
import { allowAllAuthorizer } from './auth/authorizer.js';
import { configSchema } from './config/schema.js';
import type { Config, ConfigInput } from './config/schema.js';
import { silentLogger } from './contract/logger.js';
import { createBrokerMetrics } from './metrics/broker-metrics.js';
import { createBroker } from './broker.js';
import type { Broker } from './broker.js';
import { createMemoryStore } from './store/memory-store.js';
import type { RemoteRouter } from './routing/remote-router.js';
import type { Store } from './store/store.js';
import { waitFor } from '../test/support/wait.js';

function makeConfig(overrides: Partial<ConfigInput> = {}): Config {
  const parsed = configSchema.parse({
    bind: '127.0.0.1',
    listeners: { mqtt: { port: 0 }, ws: { port: 0 }, http: { enabled: false } },
    sys: { intervalMs: 0 },
    ...overrides,
  });
  return Object.freeze({ ...parsed, nodeName: 'test-node' });
}

describe('broker end to end', () => {
  let broker: Broker;
  let store: Store;
  const clients: MqttClient[] = [];

  async function start(overrides: Partial<ConfigInput> = {}): Promise<void> {
    store = createMemoryStore();
    broker = createBroker({ config: makeConfig(overrides), store, authorizer: allowAllAuthorizer, metrics: createBrokerMetrics({ defaultMetrics: false }), logger: silentLogger });
    await broker.start();
  }

  async function connect(options: IClientOptions = {}, via: 'mqtt' | 'ws' = 'mqtt'): Promise<MqttClient> {
    const address = broker.addresses()[via];
    const url = via === 'ws' ? `ws://127.0.0.1:${address?.port}/mqtt` : `mqtt://127.0.0.1:${address?.port}`;
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return client;
  }

  beforeEach(async () => { await start(); });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.stop();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`delivers QoS 0, 1 and 2 (v${protocolVersion})`, async () => {
      const sub = await connect({ protocolVersion, clientId: `sub${protocolVersion}` });
      const pub = await connect({ protocolVersion, clientId: `pub${protocolVersion}` });
      const got: Array<[string, string, number]> = [];
      sub.on('message', (topic, payload, packet) => got.push([topic, payload.toString(), packet.qos]));
      await sub.subscribeAsync('a/+', { qos: 2 });
      await pub.publishAsync('a/0', 'zero', { qos: 0 });
      await pub.publishAsync('a/1', 'one', { qos: 1 });
      await pub.publishAsync('a/2', 'two', { qos: 2 });
      await waitFor(() => got.length === 3, { what: 'three messages' });
      expect(got).toEqual([['a/0', 'zero', 0], ['a/1', 'one', 1], ['a/2', 'two', 2]]);
    });
  }

  it('works over WebSocket', async () => {
    const sub = await connect({ protocolVersion: 5 }, 'ws');
    const pub = await connect({ protocolVersion: 4 }, 'ws');
    const got: string[] = [];
    sub.on('message', (_t, payload) => got.push(payload.toString()));
    await sub.subscribeAsync('ws/#', { qos: 1 });
    await pub.publishAsync('ws/x', 'hello', { qos: 1 });
    await waitFor(() => got.length === 1);
    expect(got).toEqual(['hello']);
  });

  it('keeps, replaces and deletes retained messages', async () => {
    const pub = await connect();
    await pub.publishAsync('r/1', 'one', { qos: 1, retain: true });
    await pub.publishAsync('r/2', 'two', { qos: 1, retain: true });
    await pub.publishAsync('r/2', '', { qos: 1, retain: true });
    const sub = await connect({ protocolVersion: 5 });
    const got: Array<[string, string, boolean]> = [];
    sub.on('message', (t, p, packet) => got.push([t, p.toString(), packet.retain]));
    await sub.subscribeAsync('r/#', { qos: 1 });
    await waitFor(() => got.length === 1);
    expect(got).toEqual([['r/1', 'one', true]]);
  });

  it('queues for an offline persistent session and redelivers', async () => {
    const sub = await connect({ protocolVersion: 5, clientId: 'persist', clean: false, properties: { sessionExpiryInterval: 60 } });
    await sub.subscribeAsync('q/t', { qos: 1 });
    await sub.endAsync();
    const pub = await connect();
    for (let i = 0; i < 3; i++) await pub.publishAsync('q/t', `m${i}`, { qos: 1 });
    expect(broker.listClients().map((c) => c.clientId)).not.toContain('persist');
    const again = mqtt.connect(`mqtt://127.0.0.1:${broker.addresses().mqtt?.port}`, { protocolVersion: 5, clientId: 'persist', clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 60 } });
    clients.push(again);
    const got: string[] = [];
    again.on('message', (_t, p) => got.push(p.toString()));
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => again.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['m0', 'm1', 'm2']);
  });

  it('publishes the will on an abnormal close but not after DISCONNECT', async () => {
    const watcher = await connect();
    const got: string[] = [];
    watcher.on('message', (_t, p) => got.push(p.toString()));
    await watcher.subscribeAsync('will/#');
    const a = await connect({ clientId: 'wa', will: { topic: 'will/a', payload: Buffer.from('a-gone'), qos: 0, retain: false } });
    const b = await connect({ clientId: 'wb', will: { topic: 'will/b', payload: Buffer.from('b-gone'), qos: 0, retain: false } });
    await b.endAsync();
    a.stream.destroy();
    await waitFor(() => got.length >= 1);
    // A marker published after both closes bounds the wait for a will that must not come.
    await watcher.publishAsync('will/marker', 'marker', { qos: 1 });
    await waitFor(() => got.includes('marker'));
    expect(got).toEqual(['a-gone', 'marker']);
  });

  it('takes over a connection with the same client id (v5 0x8E)', async () => {
    const first = await connect({ protocolVersion: 5, clientId: 'dup' });
    const reasons: number[] = [];
    first.on('disconnect', (packet) => reasons.push(packet.reasonCode ?? -1));
    await connect({ protocolVersion: 5, clientId: 'dup' });
    await waitFor(() => reasons.length === 1);
    expect(reasons).toEqual([0x8e]);
    expect(broker.listClients().filter((c) => c.clientId === 'dup')).toHaveLength(1);
  });

  it('assigns a client id to a v5 client with an empty one', async () => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${broker.addresses().mqtt?.port}`, { protocolVersion: 5, clientId: '', reconnectPeriod: 0 });
    clients.push(c);
    const connack = await new Promise<{ properties?: { assignedClientIdentifier?: string } }>((resolve) => c.once('connect', resolve));
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^meshmq-/);
  });

  it('shares a $share group round-robin', async () => {
    const m1 = await connect({ clientId: 'm1' });
    const m2 = await connect({ clientId: 'm2' });
    const got: string[] = [];
    m1.on('message', () => got.push('m1'));
    m2.on('message', () => got.push('m2'));
    await m1.subscribeAsync('$share/g/s/t', { qos: 1 });
    await m2.subscribeAsync('$share/g/s/t', { qos: 1 });
    const pub = await connect();
    for (let i = 0; i < 4; i++) await pub.publishAsync('s/t', String(i), { qos: 1 });
    await waitFor(() => got.length === 4);
    expect(got.filter((x) => x === 'm1')).toHaveLength(2);
  });

  it('sends v5 DISCONNECT 0x8B on stop', async () => {
    const c = await connect({ protocolVersion: 5 });
    const reasons: number[] = [];
    c.on('disconnect', (p) => reasons.push(p.reasonCode ?? -1));
    await broker.stop();
    await waitFor(() => reasons.length === 1);
    expect(reasons).toEqual([0x8b]);
  });

  /** Sends raw bytes; resolves with everything received until the broker closes the socket. */
  async function raw(chunks: Buffer[]): Promise<Buffer> {
    const socket = net.connect(broker.addresses().mqtt?.port ?? 0, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d) => received.push(d));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    for (const c of chunks) socket.write(c);
    await new Promise<void>((resolve) => { socket.once('close', () => resolve()); socket.once('error', () => resolve()); });
    return Buffer.concat(received);
  }

  const connectV5 = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'raw', clean: true, keepalive: 0 });
  const connectV4 = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'raw4', clean: true, keepalive: 0 });

  it('closes a connection whose first packet is not CONNECT', async () => {
    const reply = await raw([mqttPacket.generate({ cmd: 'pingreq' })]);
    expect(reply.length).toBe(0);
  });

  it('closes with 0x95 at the header of a huge announced packet, other clients unaffected', async () => {
    const bystander = await connect({ protocolVersion: 5 });
    const reply = await raw([connectV5, Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])]);
    // 0x95 (in a CONNACK or DISCONNECT, depending on whether the CONNACK went first), then close
    expect(reply[reply.length - 2]).toBe(0x95);
    await bystander.publishAsync('still/alive', 'x', { qos: 1 });
  });

  it('closes with 0x82 on a repeated single-valued property and 0x81 on a property without value', async () => {
    const repeated = Buffer.from([0x30, 0x08, 0x00, 0x01, 0x74, 0x04, 0x01, 0x01, 0x01, 0x01]);
    let reply = await raw([connectV5, repeated]);
    expect(reply.subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x82, 0x00]));
    const noValue = Buffer.from([0x30, 0x06, 0x00, 0x01, 0x74, 0x01, 0x02, 0x70]);
    reply = await raw([connectV5, noValue]);
    expect(reply.subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x81, 0x00]));
    expect(broker.isReady()).toBe(true);
  });

  it('closes on a second CONNECT and on a topic with too many levels', async () => {
    let reply = await raw([connectV5, connectV5]);
    expect(reply.subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x82, 0x00]));
    const deep = mqttPacket.generate({ cmd: 'publish', topic: 'a/'.repeat(500) + 'z', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, { protocolVersion: 5 });
    reply = await raw([connectV5, deep]);
    expect(reply.subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x90, 0x00]));
    // 3.1.1: a plain close, no DISCONNECT
    reply = await raw([connectV4, deep]);
    expect(reply).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
  });

  it('refuses an empty client id without clean session in 3.1.1 (return code 2)', async () => {
    const c = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]);
    const reply = await raw([c]);
    expect(reply).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x02]));
  });
});

describe('a cluster forward that throws', () => {
  // Regression: Dispatcher.publish caught the exception and the publisher got a successful PUBACK
  // for a message that may have gone nowhere. A throwing forward is a failed forward.
  let broker: Broker;
  const clients: MqttClient[] = [];
  const throwing: RemoteRouter = { filterAdded() {}, filterRemoved() {}, forward() { throw new Error('the mesh broke'); }, forwardTo() { throw new Error('the mesh broke'); } };

  beforeEach(async () => {
    broker = createBroker({ config: makeConfig(), store: createMemoryStore(), authorizer: allowAllAuthorizer, metrics: createBrokerMetrics({ defaultMetrics: false }), logger: silentLogger, remoteRouter: throwing });
    await broker.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.stop();
  });

  async function connect(options: IClientOptions): Promise<MqttClient> {
    const client = mqtt.connect(`mqtt://127.0.0.1:${broker.addresses().mqtt?.port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    return client;
  }

  it('refuses a v5 QoS 1/2 publish with 0x80 instead of acknowledging it', async () => {
    const pub = await connect({ protocolVersion: 5 });
    for (const qos of [1, 2] as const) {
      const err = await pub.publishAsync('t', 'x', { qos }).then(() => undefined, (e: unknown) => e as { code?: number });
      expect(err?.code).toBe(0x80);
    }
  });

  it('closes a 3.1.1 QoS 1 publisher without a PUBACK (it resends on reconnect)', async () => {
    const pub = await connect({ protocolVersion: 4 });
    let acked = false;
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
    pub.publish('t', 'x', { qos: 1 }, (err) => { if (err === undefined || err === null) acked = true; });
    await closed;
    expect(acked).toBe(false);
  });
});
