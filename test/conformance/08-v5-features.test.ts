// MQTT 5 features end to end: topic aliases both ways, receive maximum both ways, maximum
// packet size both ways, message expiry, subscription identifiers, no-local, user and
// request/response properties, server keep-alive, and what CONNACK advertises.
import { describe, expect, it } from '@jest/globals';
import type { IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { publishV5Bytes } from '../support/raw-mqtt-socket.js';
import { waitFor } from '../support/wait.js';
import { barrier, itMeshmq, receivedTopics, uniqueTopic, useBroker } from './harness.js';

const LIMITS = { maxPacketSize: 4096, receiveMaximum: 3, topicAliasMaximum: 4, maxKeepAlive: 10 };

describe('08 MQTT 5 features', () => {
  const f = useBroker({ config: { limits: LIMITS } });

  it('advertises its limits in CONNACK: maximum packet size, receive maximum, topic alias maximum', async () => {
    const c = await f.connect({ protocolVersion: 5 });
    expect(c.connack.properties?.maximumPacketSize).toBe(LIMITS.maxPacketSize);
    expect(c.connack.properties?.receiveMaximum).toBe(LIMITS.receiveMaximum);
    expect(c.connack.properties?.topicAliasMaximum).toBe(LIMITS.topicAliasMaximum);
  });

  it('imposes its keep-alive with Server Keep Alive when the client asks for more [MQTT-3.2.2-21]', async () => {
    const c = await f.connect({ protocolVersion: 5, keepalive: 60 });
    expect(c.connack.properties?.serverKeepAlive).toBe(LIMITS.maxKeepAlive);
  });

  it('resolves a topic alias set by the client on later publishes [MQTT-3.3.2-12]', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic, qos: 1, packetId: 1, properties: [0x23, 0, 1], payload: 'named' }));
    await raw.nextPacket('puback');
    raw.send(publishV5Bytes({ topic: '', qos: 1, packetId: 2, properties: [0x23, 0, 1], payload: 'aliased' }));
    await raw.nextPacket('puback');
    const got = await sub.messages.take(2);
    expect(got.map((m) => [m.topic, m.text])).toEqual([[topic, 'named'], [topic, 'aliased']]);
  });

  it('closes with 0x94 when a client uses a topic alias above the maximum [MQTT-3.3.2-9]', async () => {
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: uniqueTopic(), qos: 0, properties: [0x23, 0, LIMITS.topicAliasMaximum + 1], payload: 'x' }));
    const d = (await raw.nextPacket('disconnect')) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x94);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('closes with a protocol error when an empty topic uses an alias never set', async () => {
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: '', qos: 0, properties: [0x23, 0, 2], payload: 'x' }));
    const d = (await raw.nextPacket('disconnect')) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x82);
    expect(await raw.waitClosed()).toBe(true);
  });

  itMeshmq('sends topic aliases to a client that allows them, never above its maximum', async () => {
    const topic = uniqueTopic();
    const raw = await f.rawConnected({ protocolVersion: 5, properties: { topicAliasMaximum: 2 } });
    raw.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    await raw.nextPacket('suback');
    const pub = await f.connect();
    for (let i = 0; i < 3; i++) await pub.publish(topic, String(i), { qos: 1 });
    const got = (await raw.packets.take(3)) as IPublishPacket[];
    const aliases = got.map((p) => p.properties?.topicAlias);
    expect(aliases.every((a) => a !== undefined && a >= 1 && a <= 2)).toBe(true);
    expect(got[0]!.topic).toBe(topic);
    // Later messages may omit the topic and rely on the alias.
    expect(got.slice(1).every((p) => p.topic === '' || p.topic === topic)).toBe(true);
    expect(got.slice(1).some((p) => p.topic === '')).toBe(true);
  });

  it('never sends a topic alias to a client that did not allow them', async () => {
    const topic = uniqueTopic();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    await raw.nextPacket('suback');
    const pub = await f.connect();
    for (let i = 0; i < 3; i++) await pub.publish(topic, String(i), { qos: 1 });
    const got = (await raw.packets.take(3)) as IPublishPacket[];
    expect(got.every((p) => p.topic === topic && p.properties?.topicAlias === undefined)).toBe(true);
  });

  it('respects the client\'s receive maximum: no more unacknowledged QoS 1 messages than it allows [MQTT-3.3.4-9]', async () => {
    const topic = uniqueTopic();
    const ping = uniqueTopic('ping');
    const raw = await f.rawConnected({ protocolVersion: 5, properties: { receiveMaximum: 2 } });
    raw.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }, { topic: ping, qos: 0 }] });
    await raw.nextPacket('suback');
    const pub = await f.connect();
    for (let i = 0; i < 5; i++) await pub.publish(topic, String(i), { qos: 1 });
    // QoS 0 is outside the window: when it arrives, anything that could be sent has been.
    await pub.publish(ping, 'ping', { qos: 0 });
    await raw.packets.nextMatching((p) => p.cmd === 'publish' && p.topic === ping);
    const held = raw.packets.drain().filter((p): p is IPublishPacket => p.cmd === 'publish' && p.topic === topic);
    expect(held.length).toBe(2);
    raw.sendPacket({ cmd: 'puback', messageId: held[0]!.messageId! });
    const next = (await raw.nextPacket('publish')) as IPublishPacket;
    expect(next.payload.toString()).toBe('2');
  });

  // mosquitto 2.0.11 does not enforce its own receive maximum.
  itMeshmq('closes with 0x93 when a client exceeds the broker\'s receive maximum with QoS 2 [MQTT-3.3.4-8]', async () => {
    const raw = await f.rawConnected({ protocolVersion: 5 });
    const topic = uniqueTopic();
    // Without PUBREL each QoS 2 publish stays unacknowledged on the broker side.
    for (let id = 1; id <= LIMITS.receiveMaximum + 1; id++) raw.send(publishV5Bytes({ topic, qos: 2, packetId: id, payload: 'x' }));
    const d = (await raw.nextPacket('disconnect')) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x93);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('closes with 0x95 when a client sends a packet above the maximum packet size', async () => {
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: uniqueTopic(), qos: 0, payload: 'x'.repeat(LIMITS.maxPacketSize + 100) }));
    const d = (await raw.nextPacket('disconnect')) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x95);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('closes a 3.1.1 client that sends a packet above the maximum packet size', async () => {
    const c = await f.connect({ protocolVersion: 4 });
    c.client.publish(uniqueTopic(), 'x'.repeat(LIMITS.maxPacketSize + 100), { qos: 0 });
    await c.closed;
  });

  it('does not send a message larger than the client\'s maximum packet size, and keeps the connection [MQTT-3.1.2-25]', async () => {
    const topic = uniqueTopic();
    const small = await f.connect({ protocolVersion: 5, properties: { maximumPacketSize: 256 } });
    await small.subscribe(topic, { qos: 1 });
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publish(topic, 'y'.repeat(1000), { qos: 1 });
    await pub.publish(topic, 'fits', { qos: 1 });
    expect((await small.messages.next()).text).toBe('fits');
    expect(small.isClosed).toBe(false);
  });

  it('drops a queued message whose expiry passed and sends the remaining interval on the rest [MQTT-3.3.2-5/6]', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('expiry');
    const opts = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 60 } };
    const first = await f.connect(opts);
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publish(topic, 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publish(topic, 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    const publishedAt = Date.now();
    // Expiry is a matter of time: wait until the first message is past it.
    await waitFor(() => Date.now() - publishedAt > 2100, { what: 'the short expiry to pass' });
    const back = await TestClient.connect(f.broker.mqttUrl, opts);
    f.cleanup.add(back, () => back.destroy());
    await barrier(pub, back);
    const got = back.messages.history.filter((m) => m.topic === topic);
    expect(got.map((m) => m.text)).toEqual(['long']);
    const left = got[0]!.packet.properties?.messageExpiryInterval;
    expect(left).toBeLessThan(100);
    expect(left).toBeGreaterThanOrEqual(95);
  });

  it('does not serve an expired retained message', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publish(topic, 'brief', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    const publishedAt = Date.now();
    await waitFor(() => Date.now() - publishedAt > 2100, { what: 'the retained expiry to pass' });
    const sub = await f.subscribe(topic, { protocolVersion: 5, qos: 1 });
    await barrier(pub, sub);
    expect(receivedTopics(sub)).toEqual([]);
  });

  it('returns subscription identifiers with matching messages [MQTT-3.3.4-3]', async () => {
    const base = uniqueTopic();
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe(`${base}/+`, { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await c.subscribe(`${base}/#`, { qos: 1, properties: { subscriptionIdentifier: 42 } });
    const pub = await f.connect();
    await pub.publish(`${base}/x`, 'ids', { qos: 1 });
    await barrier(pub, c);
    const ids = c.messages.history.filter((m) => m.topic === `${base}/x`)
      .flatMap((m) => [m.packet.properties?.subscriptionIdentifier ?? []].flat());
    expect(ids.sort((a, b) => a - b)).toEqual([7, 42]);
  });

  it('does not echo a client\'s own messages on a no-local subscription [MQTT-3.8.3-3]', async () => {
    const topic = uniqueTopic();
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe({ [topic]: { qos: 1, nl: true } });
    const other = await f.connect({ protocolVersion: 5 });
    await c.publish(topic, 'mine', { qos: 1 });
    await other.publish(topic, 'theirs', { qos: 1 });
    await barrier(other, c);
    expect(c.messages.history.filter((m) => m.topic === topic).map((m) => m.text)).toEqual(['theirs']);
  });

  it('passes user properties, content type, payload format, response topic and correlation data through unchanged [MQTT-3.3.2-17/18]', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { protocolVersion: 5, qos: 1 });
    const pub = await f.connect({ protocolVersion: 5 });
    const properties = {
      userProperties: { region: 'eu', tag: ['a', 'b'] },
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: `${topic}/reply`,
      correlationData: Buffer.from([1, 2, 3, 255]),
    };
    await pub.publish(topic, '{"ok":true}', { qos: 1, properties });
    const p = (await sub.messages.next()).packet.properties!;
    expect(p.userProperties).toEqual(properties.userProperties);
    expect(p.contentType).toBe('application/json');
    expect(p.payloadFormatIndicator).toBe(true);
    expect(p.responseTopic).toBe(`${topic}/reply`);
    expect(Buffer.from(p.correlationData!).equals(properties.correlationData)).toBe(true);
  });

  it('answers a request on its response topic (request/response round trip)', async () => {
    const requests = uniqueTopic('svc');
    const responder = await f.subscribe(requests, { protocolVersion: 5, qos: 1 });
    const requester = await f.connect({ protocolVersion: 5 });
    const replyTo = `${requests}/reply/${randomClientId()}`;
    await requester.subscribe(replyTo, { qos: 1 });
    await requester.publish(requests, 'ping', { qos: 1, properties: { responseTopic: replyTo, correlationData: Buffer.from('req-1') } });
    const req = await responder.messages.next();
    await responder.publish(req.packet.properties!.responseTopic!, 'pong', { qos: 1, properties: { correlationData: req.packet.properties!.correlationData! } });
    const reply = await requester.messages.next();
    expect(reply.text).toBe('pong');
    expect(Buffer.from(reply.packet.properties!.correlationData!).toString()).toBe('req-1');
  });

  it('tells the client the session expiry it will actually get when it asks for more than allowed', async () => {
    const c = await f.connect({ protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 0xffffffff } });
    const granted = (c.connack).properties?.sessionExpiryInterval;
    // No cap configured here: either absent (the client's value stands) or the same value.
    expect(granted === undefined || granted === 0xffffffff).toBe(true);
  });
});
