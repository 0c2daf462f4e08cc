// Regressions for seven broker bugs found in review (fixed in 438ee87): packets pipelined
// behind CONNECT, wills of clean-session users under a deny-by-default ACL, another user's
// client id, outbound topic aliases of dropped messages, a bad CONNECT taking over a live
// client, and WebSocket messages larger than the maximum packet size.
import { describe, expect } from '@jest/globals';
import type { IConnackPacket, IConnectPacket, IPublishPacket, ISubackPacket, Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { metricValue } from '../support/http-client.js';
import { randomClientId, TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { encodePacket } from '../support/raw-mqtt-socket.js';
import { barrier, itMeshmq, receivedTopics, uniqueTopic, useBroker } from './harness.js';

const MAX_PACKET = 4096;
const ALICE = { username: 'alice', password: 'a-secret' };
const BOB = { username: 'bob', password: 'b-secret' };

describe('16 review regressions', () => {
  const f = useBroker({
    users: [ALICE, BOB],
    config: { auth: { allowAnonymous: false, aclDefault: 'deny' }, limits: { maxPacketSize: MAX_PACKET } },
    acl: [
      { action: 'all', permission: 'allow', topic: 'users/%u/#' },
      // Readable by everyone, so only the session rules (not the ACL) keep bob from alice's messages.
      { action: 'all', permission: 'allow', topic: 'public/#' },
      { action: 'all', permission: 'allow', topic: 'barrier/#' },
    ],
  });
  const as = (user: typeof ALICE, options: TestClientOptions = {}): Promise<TestClient> =>
    f.connect({ protocolVersion: 5, ...user, ...options });
  const rawConnect = (clientId: string, extra: Partial<IConnectPacket> = {}): Packet => ({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60,
    username: ALICE.username, password: Buffer.from(ALICE.password), ...extra,
  });

  /** A barrier reaches `client` (or it is closed, failing at once): no DISCONNECT (e.g. 0x8E) came first. */
  async function expectStillConnected(client: TestClient): Promise<void> {
    const pub = await as(ALICE);
    const reached = barrier(pub, client);
    reached.catch(() => { /* a closed client fails below; its barrier then never arrives */ });
    await Promise.race([reached, client.closed]);
    expect(client.disconnects.history.map((d) => d.reasonCode)).toEqual([]);
    expect(client.isClosed).toBe(false);
  }

  itMeshmq('answers CONNECT + SUBSCRIBE sent in one write with CONNACK, SUBACK and the retained message', async () => {
    const topic = uniqueTopic('users/alice/retained');
    const pub = await as(ALICE);
    expect(await pub.publish(topic, 'kept', { qos: 1, retain: true })).toBe(0);
    const raw = await f.raw(4);
    raw.send(Buffer.concat([
      encodePacket(rawConnect(randomClientId('pipe'))),
      encodePacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }),
    ]));
    expect(((await raw.nextPacket('connack')) as IConnackPacket).returnCode).toBe(0);
    expect(((await raw.nextPacket('suback')) as ISubackPacket).granted).toEqual([0]);
    const retained = (await raw.nextPacket('publish')) as IPublishPacket;
    expect(retained.topic).toBe(topic);
    expect(retained.payload.toString()).toBe('kept');
    expect(retained.retain).toBe(true);
  });

  itMeshmq('registers a persistent session from CONNECT(clean=false) + SUBSCRIBE + DISCONNECT in one write', async () => {
    const topic = uniqueTopic('users/alice/queue');
    const clientId = randomClientId('pipe');
    const raw = await f.raw(4);
    raw.send(Buffer.concat([
      encodePacket(rawConnect(clientId, { clean: false })),
      encodePacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] }),
      encodePacket({ cmd: 'disconnect' }),
    ]));
    // The broker closes after the DISCONNECT, which it handles after the SUBSCRIBE.
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.packets.history.map((p) => p.cmd)).toEqual(['connack', 'suback']);
    const pub = await as(ALICE);
    expect(await pub.publish(topic, 'while offline', { qos: 1 })).toBe(0);
    const back = await f.connect({ protocolVersion: 4, clientId, clean: false, ...ALICE });
    expect(back.connack.sessionPresent).toBe(true);
    const m = await back.messages.next();
    expect([m.topic, m.text, m.packet.qos]).toEqual([topic, 'while offline', 1]);
  });

  itMeshmq('publishes the will of a 3.1.1 clean-session client as its user under a deny-by-default ACL', async () => {
    const topic = uniqueTopic('users/alice/will');
    const sub = await f.subscribe(topic, { protocolVersion: 5, qos: 1, ...ALICE });
    const c = await f.connect({
      protocolVersion: 4, clean: true, ...ALICE,
      will: { topic, payload: Buffer.from('alice vanished'), qos: 1, retain: false },
    });
    await c.destroy();
    const m = await sub.messages.next();
    expect([m.topic, m.text]).toEqual([topic, 'alice vanished']);
  });

  itMeshmq('does not let another user resume a stored session through its client id', async () => {
    const topic = uniqueTopic('public/alice-inbox');
    const clientId = randomClientId('alice-dev');
    const alice = await f.connect({ protocolVersion: 4, clientId, clean: false, ...ALICE });
    expect(await alice.subscribe(topic, { qos: 1 })).toEqual([1]);
    await alice.disconnect();
    const pub = await as(ALICE);
    expect(await pub.publish(topic, 'queued for alice', { qos: 1 })).toBe(0);

    const bob = await f.connect({ protocolVersion: 4, clientId, clean: false, ...BOB });
    expect(bob.connack.sessionPresent).toBe(false);
    expect(await pub.publish(topic, 'live for alice', { qos: 1 })).toBe(0);
    await barrier(pub, bob);
    expect(receivedTopics(bob)).toEqual([]);
  });

  itMeshmq('refuses another user connecting with a connected client id (0x87) and keeps the owner connected', async () => {
    const clientId = randomClientId('alice-live');
    const alice = await as(ALICE, { clientId });
    expect(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 5, clientId, ...BOB })).toBe(0x87);
    await expectStillConnected(alice);
  });

  itMeshmq('does not leave a subscriber an alias it never learned when the aliased message was too large', async () => {
    const topic = uniqueTopic('users/alice/telemetry/a-rather-long-topic-name-worth-an-alias');
    const sub = await f.rawConnected({
      protocolVersion: 5, ...ALICE, password: Buffer.from(ALICE.password),
      properties: { topicAliasMaximum: 10, maximumPacketSize: 200 },
    });
    sub.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    expect(((await sub.nextPacket('suback')) as ISubackPacket).granted).toEqual([0]);
    const droppedBefore = await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'packet_too_large' });

    const pub = await as(ALICE);
    expect(await pub.publish(topic, Buffer.alloc(500, 0x61), { qos: 1 })).toBe(0);
    expect(await pub.publish(topic, 'small', { qos: 1 })).toBe(0);
    const first = (await sub.nextPacket('publish')) as IPublishPacket;
    // [MQTT-3.3.2-12] the first PUBLISH it gets for this topic must carry the topic name.
    expect(first.topic).toBe(topic);
    expect(first.payload.toString()).toBe('small');
    expect(await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'packet_too_large' })).toBe(droppedBefore + 1);

    // The alias it did learn is used from then on.
    const alias = first.properties?.topicAlias;
    expect(await pub.publish(topic, 'again', { qos: 1 })).toBe(0);
    const second = (await sub.nextPacket('publish')) as IPublishPacket;
    expect(second.payload.toString()).toBe('again');
    if (alias !== undefined) expect([second.topic, second.properties?.topicAlias]).toEqual(['', alias]);
    expect(sub.isClosed).toBe(false);
  });

  itMeshmq('refuses a v5 CONNECT with Receive Maximum 0 before it can take over the connected client', async () => {
    const clientId = randomClientId('tk');
    const alice = await as(ALICE, { clientId });
    const bad = await f.raw(5);
    bad.sendPacket(rawConnect(clientId, { protocolVersion: 5, properties: { receiveMaximum: 0 } }));
    expect(await bad.waitClosed()).toBe(true);
    const connack = bad.packets.history.find((p): p is IConnackPacket => p.cmd === 'connack');
    if (connack !== undefined) expect(connack.reasonCode).toBe(0x82);
    await expectStillConnected(alice);
  });

  itMeshmq('closes a WebSocket whose message exceeds the maximum packet size, without processing it', async () => {
    // A valid CONNECT followed by PINGREQs up to 1 MiB: buffered and parsed, it would get a CONNACK.
    const connect = encodePacket(rawConnect(randomClientId('ws-big')));
    const pings = Buffer.alloc(1024 * 1024 - connect.length);
    for (let i = 0; i + 1 < pings.length; i += 2) pings[i] = 0xc0;
    const ws = new WebSocket(f.broker.wsUrl, 'mqtt');
    f.cleanup.add(ws, () => ws.terminate());
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    ws.on('error', () => { /* the close below reports the outcome */ });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(Buffer.concat([connect, pings]), { binary: true });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([closed, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), 5000); })]);
    clearTimeout(timer);
    expect(code).toBe(1009); // RFC 6455 7.4.1: message too big
    expect(received).toEqual([]);

    const other = await as(ALICE);
    const wsClient = await f.connect({ protocolVersion: 5, ...ALICE }, f.broker.wsUrl);
    const topic = uniqueTopic('users/alice/ws');
    await wsClient.subscribe(topic, { qos: 1 });
    expect(await other.publish(topic, 'still served', { qos: 1 })).toBe(0);
    expect((await wsClient.messages.next()).text).toBe('still served');
  });
});
