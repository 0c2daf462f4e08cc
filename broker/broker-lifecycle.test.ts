// In-process end-to-end tests of what happens at the edges of a client's life: wills on broker
// stop, will expiry, the connection limit's refusal codes, response topic validation, and QoS 0
// queueing for offline sessions (limits.queueQos0).
import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { allowAllAuthorizer } from './auth/authorizer.js';
import { configSchema } from './config/schema.js';
import type { ConfigInput } from './config/schema.js';
import { silentLogger } from './contract/logger.js';
import { createBrokerMetrics } from './metrics/broker-metrics.js';
import { createBroker } from './broker.js';
import type { Broker } from './broker.js';
import { createMemoryStore } from './store/memory-store.js';
import { waitFor } from '../test/support/wait.js';

const clock = { offset: 0 };
let broker: Broker | undefined;
const clients: MqttClient[] = [];
const sockets: net.Socket[] = [];

async function start(overrides: Partial<ConfigInput> = {}): Promise<Broker> {
  const parsed = configSchema.parse({
    bind: '127.0.0.1', listeners: { mqtt: { port: 0 }, ws: { enabled: false }, http: { enabled: false } }, sys: { intervalMs: 0 }, ...overrides,
  });
  broker = createBroker({
    config: Object.freeze({ ...parsed, nodeName: 'life' }), store: createMemoryStore(), authorizer: allowAllAuthorizer,
    metrics: createBrokerMetrics({ defaultMetrics: false }), logger: silentLogger, now: () => Date.now() + clock.offset,
  });
  await broker.start();
  return broker;
}

function port(): number {
  return broker?.addresses().mqtt?.port ?? 0;
}

/** `onMessage` is attached before CONNACK: messages queued for a resumed session come right after it. */
async function connect(options: IClientOptions = {}, onMessage?: (topic: string, payload: Buffer) => void): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port()}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(client);
  if (onMessage !== undefined) client.on('message', onMessage);
  await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
  return client;
}

/** A raw socket speaking `version`: sends packets, collects every packet it receives until closed. */
async function rawClient(version: 4 | 5): Promise<{ send(p: Packet): void; packets: Packet[]; closed: Promise<void> }> {
  const socket = net.connect(port(), '127.0.0.1');
  sockets.push(socket);
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: version });
  parser.on('packet', (p) => packets.push(p));
  socket.on('data', (d) => parser.parse(d));
  const closed = new Promise<void>((resolve) => { socket.once('close', () => resolve()); socket.once('error', () => resolve()); });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { send: (p) => socket.write(mqttPacket.generate(p, { protocolVersion: version })), packets, closed };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  for (const s of sockets.splice(0)) s.destroy();
  await broker?.stop();
  broker = undefined;
  clock.offset = 0;
});

describe('broker lifecycle', () => {
  it('publishes the wills of connected and will-delayed sessions when it stops with a memory store [MQTT-3.1.2-8]', async () => {
    await start();
    const watcher = await connect({ protocolVersion: 5, clientId: 'watcher' });
    const got: string[] = [];
    watcher.on('message', (_t, p) => got.push(p.toString()));
    await watcher.subscribeAsync('will/#', { qos: 1 });
    await connect({ protocolVersion: 5, clientId: 'live', will: { topic: 'will/live', payload: Buffer.from('live-gone'), qos: 1, retain: false } });
    const delayed = await connect({
      protocolVersion: 5, clientId: 'delayed', properties: { sessionExpiryInterval: 600 },
      will: { topic: 'will/delayed', payload: Buffer.from('delayed-gone'), qos: 1, retain: false, properties: { willDelayInterval: 300 } },
    });
    delayed.stream.destroy(); // abnormal close: the will waits out its 300 s delay
    await waitFor(() => broker?.getClient('delayed') === undefined, { what: 'delayed client gone' });
    expect(got).toEqual([]);
    await broker?.stop();
    await waitFor(() => got.length === 2, { what: 'two wills' });
    expect(got.sort()).toEqual(['delayed-gone', 'live-gone']);
  });

  it('starts a will\'s Message Expiry Interval when the will is published', async () => {
    await start();
    const client = await connect({
      protocolVersion: 5, clientId: 'expiring',
      will: { topic: 'will/expiring', payload: Buffer.from('bye'), qos: 0, retain: true, properties: { messageExpiryInterval: 10 } },
    });
    clock.offset = 60_000; // a minute passes before the client goes: the will's 10 s start only now
    client.stream.destroy();
    const first = await connect({ protocolVersion: 5, clientId: 'first' });
    const expiry: Array<number | undefined> = [];
    first.on('message', (_t, _p, packet) => expiry.push(packet.properties?.messageExpiryInterval));
    await first.subscribeAsync('will/expiring');
    await waitFor(() => expiry.length === 1, { what: 'retained will' });
    expect(expiry[0]).toBeGreaterThan(0);
    expect(expiry[0]).toBeLessThanOrEqual(10);
    clock.offset += 11_000;
    const late = await connect({ protocolVersion: 5, clientId: 'late' });
    const lateGot: string[] = [];
    late.on('message', (t) => lateGot.push(t));
    await late.subscribeAsync('will/expiring');
    await late.subscribeAsync('will/marker');
    await late.publishAsync('will/marker', 'm', { qos: 1 });
    await waitFor(() => lateGot.includes('will/marker'), { what: 'marker' });
    expect(lateGot).not.toContain('will/expiring');
  });

  it('refuses a connection over limits.maxConnections with CONNACK 0x97 (v5) or return code 3 (3.1.1)', async () => {
    await start({ limits: { maxConnections: 1 } });
    await connect({ clientId: 'only' });
    const v5 = await rawClient(5);
    v5.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'second5', clean: true, keepalive: 0 });
    await v5.closed;
    expect(v5.packets).toMatchObject([{ cmd: 'connack', reasonCode: 0x97 }]);
    const v4 = await rawClient(4);
    v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'second4', clean: true, keepalive: 0 });
    await v4.closed;
    expect(v4.packets).toMatchObject([{ cmd: 'connack', returnCode: 3 }]);
    // The connected client's own id may still take its place.
    await connect({ clientId: 'only' });
  });

  it('closes a v5 client whose Response Topic has a wildcard with DISCONNECT 0x82 [MQTT-3.3.2-14]', async () => {
    await start();
    const c = await rawClient(5);
    c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'requester', clean: true, keepalive: 0 });
    await waitFor(() => c.packets.length === 1, { what: 'CONNACK' });
    c.send({ cmd: 'publish', topic: 'req', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { responseTopic: 'resp/+' } });
    await c.closed;
    expect(c.packets.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode])).toEqual([['connack', 0], ['disconnect', 0x82]]);
  });

  it('queues QoS 0 for an offline persistent session only with limits.queueQos0', async () => {
    for (const queueQos0 of [false, true]) {
      await start({ limits: { queueQos0 } });
      const options = { protocolVersion: 5 as const, clientId: 'offline', clean: false, properties: { sessionExpiryInterval: 60 } };
      const sub = await connect(options);
      await sub.subscribeAsync('q0/t', { qos: 0 });
      await sub.endAsync();
      const pub = await connect();
      await pub.publishAsync('q0/t', 'while-away', { qos: 0 });
      await pub.publishAsync('q0/marker', 'm', { qos: 1 }); // the QoS 0 publish was handled before this ack
      const got: string[] = [];
      const again = await connect(options, (_t, p) => got.push(p.toString()));
      await again.subscribeAsync('q0/marker', { qos: 1 });
      await pub.publishAsync('q0/marker', 'marker', { qos: 1 });
      await waitFor(() => got.includes('marker'), { what: 'marker' });
      expect(got.includes('while-away')).toBe(queueQos0);
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await broker?.stop();
    }
  });
});
