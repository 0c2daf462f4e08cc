// Bad input over raw sockets: each broken packet closes only its own connection, with the
// right v5 reason code (a plain close in 3.1.1); a bystander keeps working and the process lives.
import { describe, expect, it } from '@jest/globals';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { metricValue } from '../support/http-client.js';
import type { TestClient } from '../support/mqtt-clients.js';
import { connectBytes, connectV5Bytes, frame, mqttString, publishV5Bytes, type RawMqttSocket } from '../support/raw-mqtt-socket.js';
import { itMeshmq, target, uniqueTopic, useBroker } from './harness.js';

const MAX_PACKET = 65536;

describe('09 bad input', () => {
  const f = useBroker({ config: { limits: { maxPacketSize: MAX_PACKET, maxTopicLevels: 128 } } });

  /** A subscriber/publisher pair connected before the bad connection, checked after it. */
  async function bystander(): Promise<() => Promise<void>> {
    const topic = uniqueTopic('bystander');
    const sub = await f.subscribe(topic, { protocolVersion: 5, qos: 1 });
    const pub = await f.connect({ protocolVersion: 4 });
    return async () => {
      await pub.publish(topic, 'still fine', { qos: 1 });
      expect((await sub.messages.next()).text).toBe('still fine');
      expect(sub.isClosed || pub.isClosed).toBe(false);
      // A brand-new connection proves the process is alive and accepting.
      const fresh: TestClient = await f.connect({ protocolVersion: 5 });
      expect(fresh.connack.reasonCode).toBe(0);
    };
  }

  /**
   * v5: a DISCONNECT with one of `codes`, then the close [MQTT-4.13.1-1]. mosquitto often closes
   * without the DISCONNECT, so there it is optional; meshmq must send it.
   */
  async function expectV5Close(raw: RawMqttSocket, codes: number[]): Promise<void> {
    expect(await raw.waitClosed()).toBe(true);
    const disconnect = raw.packets.history.find((p): p is IDisconnectPacket => p.cmd === 'disconnect');
    if (target === 'meshmq') expect(disconnect).toBeDefined();
    if (disconnect) expect(codes).toContain(disconnect.reasonCode);
  }

  async function expectPlainClose(raw: RawMqttSocket): Promise<void> {
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.packets.history.filter((p) => p.cmd === 'disconnect')).toEqual([]);
  }

  const badRemainingLength = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]); // a fifth length byte [MQTT-1.5.5]
  const hugeRemainingLength = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61]); // 256 MiB announced

  it('closes a 3.1.1 connection on a malformed remaining length', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 4 });
    raw.send(badRemainingLength);
    await expectPlainClose(raw);
    await check();
  });

  it('closes a v5 connection on a malformed remaining length with 0x81', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(badRemainingLength);
    await expectV5Close(raw, [0x81]);
    await check();
  });

  it('closes at once, without waiting for the bytes, on a huge announced remaining length (v5: 0x95)', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(hugeRemainingLength);
    await expectV5Close(raw, [0x95]);
    await check();
  });

  it('closes a connection whose first packet announces a huge CONNECT', async () => {
    const check = await bystander();
    const raw = await f.raw();
    raw.send([0x10, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x04]);
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.packets.history.filter((p) => p.cmd === 'connack')).toEqual([]);
    await check();
  });

  it('closes a connection that sends PUBLISH before CONNECT, without a CONNACK [MQTT-3.1.0-1]', async () => {
    const check = await bystander();
    const raw = await f.raw();
    raw.sendPacket({ cmd: 'publish', topic: 'early', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    expect(await raw.waitClosed()).toBe(true);
    expect(raw.packets.history).toEqual([]);
    await check();
  });

  it('closes a connection that speaks something else (an HTTP request) instead of MQTT', async () => {
    const check = await bystander();
    const raw = await f.raw();
    raw.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(await raw.waitClosed()).toBe(true);
    await check();
  });

  it('closes a 3.1.1 connection on a second CONNECT [MQTT-3.1.0-2]', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 4 });
    raw.send(connectBytes({ clientId: 'again' }));
    await expectPlainClose(raw);
    await check();
  });

  it('closes a v5 connection on a second CONNECT with 0x82', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(connectV5Bytes({ clientId: 'again' }));
    await expectV5Close(raw, [0x82]);
    await check();
  });

  it('closes on a SUBSCRIBE with reserved flags not 0010 [MQTT-3.8.1-1]', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    const body = Buffer.concat([Buffer.from([0, 1, 0]), mqttString('a/b'), Buffer.from([1])]);
    raw.send(frame(0x80, body));
    await expectV5Close(raw, [0x81]);
    await check();
  });

  it('closes on a PUBLISH with QoS 3 [MQTT-3.3.1-4]', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 4 });
    raw.send(frame(0x36, Buffer.concat([mqttString('a/b'), Buffer.from([0, 1]), Buffer.from('x')])));
    await expectPlainClose(raw);
    await check();
  });

  for (const topic of ['a/+/b', 'a/#']) {
    // 0x90 (topic name invalid) or 0x82 (protocol error, mosquitto's choice) both say what went wrong.
    it(`closes a v5 connection publishing to the wildcard topic "${topic}" with 0x90 or 0x82 [MQTT-3.3.2-2]`, async () => {
      const check = await bystander();
      const raw = await f.rawConnected({ protocolVersion: 5 });
      raw.send(publishV5Bytes({ topic, qos: 1, packetId: 1, payload: 'x' }));
      await expectV5Close(raw, [0x90, 0x82]);
      await check();
    });
  }

  it('closes a 3.1.1 connection publishing to a wildcard topic', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 4 });
    raw.send(frame(0x32, Buffer.concat([mqttString('x/#'), Buffer.from([0, 1]), Buffer.from('x')])));
    await expectPlainClose(raw);
    await check();
  });

  it('closes on a QoS 1 PUBLISH with packet id 0 [MQTT-2.2.1-3]', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: 'zero/id', qos: 1, packetId: 0, payload: 'x' }));
    await expectV5Close(raw, [0x81, 0x82]);
    await check();
  });

  it('closes on a SUBSCRIBE with packet id 0', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 4 });
    raw.send(frame(0x82, Buffer.concat([Buffer.from([0, 0]), mqttString('a/b'), Buffer.from([1])])));
    await expectPlainClose(raw);
    await check();
  });

  it('closes on a topic that is not valid UTF-8 or contains U+0000 [MQTT-1.5.4-1/2]', async () => {
    const check = await bystander();
    for (const bytes of [Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0x61, 0x00, 0x62])]) {
      const raw = await f.rawConnected({ protocolVersion: 5 });
      const topic = Buffer.concat([Buffer.from([0, bytes.length]), bytes]);
      raw.send(frame(0x30, Buffer.concat([topic, Buffer.from([0]), Buffer.from('x')])));
      await expectV5Close(raw, [0x81, 0x82, 0x90]);
    }
    await check();
  });

  // mosquitto 2.0.11 treats a 600-level filter as a malformed packet (0x81).
  itMeshmq('refuses a topic with hundreds of levels without harm, and serves one within the limit', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    const deep = Array.from({ length: 600 }, (_, i) => `l${i}`).join('/');
    raw.send(publishV5Bytes({ topic: deep, qos: 1, packetId: 7, payload: 'deep' }));
    const answer = await raw.packets.nextMatching((p) => p.cmd === 'puback' || p.cmd === 'disconnect');
    if (answer.cmd === 'puback') expect(answer.reasonCode).toBeGreaterThanOrEqual(0x80);
    else expect([0x90, 0x95, 0x82]).toContain((answer as IDisconnectPacket).reasonCode);

    const subRaw = await f.rawConnected({ protocolVersion: 5 });
    subRaw.sendPacket({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: `${deep}/#`, qos: 1 }] });
    const subAnswer = await subRaw.packets.nextMatching((p) => p.cmd === 'suback' || p.cmd === 'disconnect');
    if (subAnswer.cmd === 'suback') expect(subAnswer.granted[0]).toBeGreaterThanOrEqual(0x80);
    else expect([0x8f, 0x95, 0x82]).toContain((subAnswer as IDisconnectPacket).reasonCode);

    const ok = Array.from({ length: 100 }, (_, i) => `m${i}`).join('/');
    const sub = await f.subscribe(`${ok.split('/').slice(0, 50).join('/')}/#`, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(ok, 'within limit', { qos: 1 });
    expect((await sub.messages.next()).text).toBe('within limit');
    await check();
  });

  it('closes with a protocol error on a repeated single-valued v5 property (mqtt-packet accepts it) [MQTT-2.2.2-2]', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    // Message Expiry Interval (0x02) twice.
    raw.send(publishV5Bytes({ topic: uniqueTopic(), qos: 1, packetId: 1, properties: [0x02, 0, 0, 0, 10, 0x02, 0, 0, 0, 20], payload: 'x' }));
    await expectV5Close(raw, [0x82]);
    await check();
  });

  it('closes with malformed packet on a v5 property id with no value (mqtt-packet accepts it)', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: uniqueTopic(), qos: 0, properties: [0x02], payload: '' }));
    await expectV5Close(raw, [0x81]);
    await check();
  });

  it('refuses a v5 CONNECT with a repeated Session Expiry Interval: CONNACK >= 0x80 or close', async () => {
    const check = await bystander();
    const raw = await f.raw(5);
    raw.send(connectV5Bytes({ properties: [0x11, 0, 0, 0, 10, 0x11, 0, 0, 0, 20] }));
    expect(await raw.waitClosed()).toBe(true);
    const connack = raw.packets.history.find((p): p is IConnackPacket => p.cmd === 'connack');
    if (connack) expect([0x81, 0x82]).toContain(connack.reasonCode);
    await check();
  });

  it('closes on an unknown v5 property id', async () => {
    const check = await bystander();
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(publishV5Bytes({ topic: uniqueTopic(), qos: 0, properties: [0x7f, 0], payload: '' }));
    await expectV5Close(raw, [0x81, 0x82]);
    await check();
  });

  it('survives a burst of broken connections of every kind', async () => {
    const check = await bystander();
    const payloads = [badRemainingLength, hugeRemainingLength, Buffer.from([0x00, 0x00]), Buffer.from([0xf0, 0x00]),
      publishV5Bytes({ topic: 'x', properties: [0x02] }), Buffer.from('\x10\x05garbage')];
    const closers: Array<Promise<boolean>> = [];
    for (let i = 0; i < 60; i++) {
      const raw = await f.raw(i % 2 === 0 ? 4 : 5);
      raw.send(payloads[i % payloads.length]!);
      closers.push(raw.waitClosed(8000));
    }
    expect((await Promise.all(closers)).every(Boolean)).toBe(true);
    await check();
  });

  itMeshmq('counts connections closed for malformed packets in /metrics', async () => {
    const before = await metricValue(f.broker.httpUrl, 'meshmq_connections_closed_total', { reason: 'malformed_packet' });
    const raw = await f.rawConnected({ protocolVersion: 5 });
    raw.send(badRemainingLength);
    expect(await raw.waitClosed()).toBe(true);
    expect(await metricValue(f.broker.httpUrl, 'meshmq_connections_closed_total', { reason: 'malformed_packet' })).toBeGreaterThan(before);
  });
});
