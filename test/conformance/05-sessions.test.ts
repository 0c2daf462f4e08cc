// Sessions: clean start vs resume, the offline queue, redelivery of unacknowledged messages
// with DUP on reconnect, session expiry, and the queue bound with its drops counted.
import { describe, expect, it } from '@jest/globals';
import type { IPublishPacket } from 'mqtt-packet';
import { metricValue } from '../support/http-client.js';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { RawMqttSocket } from '../support/raw-mqtt-socket.js';
import { waitFor } from '../support/wait.js';
import { barrier, itMeshmq, receivedTopics, uniqueTopic, useBroker } from './harness.js';

describe('05 sessions', () => {
  const f = useBroker({ config: { limits: { maxQueuedMessages: 5, queueOverflow: 'drop-oldest' } } });

  const persistent = (version: 4 | 5, clientId: string) => (version === 5
    ? { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 60 } }
    : { protocolVersion: 4 as const, clientId, clean: false });

  for (const version of [4, 5] as const) {
    it(`queues QoS 1/2 messages for an offline persistent session and delivers them on resume (protocol ${version})`, async () => {
      const topic = uniqueTopic();
      const clientId = randomClientId('persist');
      const first = await f.connect(persistent(version, clientId));
      expect(first.connack.sessionPresent).toBe(false);
      await first.subscribe(topic, { qos: 2 });
      await first.disconnect();
      const pub = await f.connect();
      await pub.publish(topic, 'one', { qos: 1 });
      await pub.publish(topic, 'two', { qos: 2 });
      const back = await f.connect(persistent(version, clientId));
      expect(back.connack.sessionPresent).toBe(true);
      expect((await back.messages.take(2)).map((m) => m.text).sort()).toEqual(['one', 'two']);
      // The subscription survived too.
      await pub.publish(topic, 'live', { qos: 1 });
      expect((await back.messages.next()).text).toBe('live');
    });
  }

  it('starts afresh on clean start: no session present, no old subscriptions, no queued messages', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('fresh');
    const first = await f.connect(persistent(5, clientId));
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();
    const pub = await f.connect();
    await pub.publish(topic, 'queued', { qos: 1 });
    const clean = await f.connect({ protocolVersion: 5, clientId, clean: true });
    expect(clean.connack.sessionPresent).toBe(false);
    await pub.publish(topic, 'after', { qos: 1 });
    await barrier(pub, clean);
    expect(receivedTopics(clean)).toEqual([]);
  });

  it('ends a v5 session at disconnect when its expiry interval is 0', async () => {
    const clientId = randomClientId('short');
    const first = await f.connect({ protocolVersion: 5, clientId, clean: false });
    await first.subscribe(uniqueTopic(), { qos: 1 });
    await first.disconnect();
    const again = await f.connect({ protocolVersion: 5, clientId, clean: false });
    expect(again.connack.sessionPresent).toBe(false);
  });

  it('lets a v5 client set the session expiry at DISCONNECT [MQTT-3.14.2-2]', async () => {
    const clientId = randomClientId('bye');
    const first = await f.connect({ protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    await first.subscribe(uniqueTopic(), { qos: 1 });
    await first.disconnect({ properties: { sessionExpiryInterval: 0 } });
    const again = await f.connect({ protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(again.connack.sessionPresent).toBe(false);
  });

  itMeshmq('expires an offline v5 session after its expiry interval', async () => {
    const clientId = randomClientId('expiring');
    const before = await metricValue(f.broker.httpUrl, 'meshmq_sessions');
    const first = await f.connect({ protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 1 } });
    await first.subscribe(uniqueTopic(), { qos: 1 });
    await first.disconnect();
    const disconnectedAt = Date.now();
    await waitFor(async () => (await metricValue(f.broker.httpUrl, 'meshmq_sessions')) <= before, { timeoutMs: 6000, what: 'the session gauge to drop back' });
    expect(Date.now() - disconnectedAt).toBeGreaterThanOrEqual(900);
    const again = await f.connect({ protocolVersion: 5, clientId, clean: false });
    expect(again.connack.sessionPresent).toBe(false);
  });

  it('redelivers an unacknowledged QoS 1 message with DUP and the same packet id on reconnect [MQTT-4.4.0-1]', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('dup');
    const connect = { clientId, clean: false, protocolVersion: 4 } as const;
    const raw = await f.rawConnected(connect);
    raw.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await raw.nextPacket('suback');
    const pub = await f.connect();
    await pub.publish(topic, 'ack me', { qos: 1 });
    const first = (await raw.nextPacket('publish')) as IPublishPacket;
    expect(first.dup).toBe(false);
    raw.destroy(); // no PUBACK
    const again = await RawMqttSocket.connected(f.broker.host, f.broker.ports.mqtt, connect);
    f.cleanup.add(again, () => again.destroy());
    const redelivered = (await again.nextPacket('publish')) as IPublishPacket;
    expect(redelivered.payload.toString()).toBe('ack me');
    expect(redelivered.dup).toBe(true);
    expect(redelivered.messageId).toBe(first.messageId);
    again.sendPacket({ cmd: 'puback', messageId: redelivered.messageId! });
  });

  it('resends PUBREL for a QoS 2 message whose PUBCOMP was lost [MQTT-4.4.0-1]', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('rel');
    const connect = { clientId, clean: false, protocolVersion: 4 } as const;
    const raw = await f.rawConnected(connect);
    raw.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 2 }] });
    await raw.nextPacket('suback');
    const pub = await f.connect();
    await pub.publish(topic, 'exactly once', { qos: 2 });
    const publish = (await raw.nextPacket('publish')) as IPublishPacket;
    raw.sendPacket({ cmd: 'pubrec', messageId: publish.messageId! });
    await raw.nextPacket('pubrel');
    raw.destroy(); // no PUBCOMP
    const again = await RawMqttSocket.connected(f.broker.host, f.broker.ports.mqtt, connect);
    f.cleanup.add(again, () => again.destroy());
    const pubrel = await again.nextPacket();
    expect(pubrel.cmd).toBe('pubrel');
    expect((pubrel as { messageId?: number }).messageId).toBe(publish.messageId);
  });

  itMeshmq('bounds the offline queue, drops the oldest beyond it and counts the drops', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('bounded');
    const first = await f.connect(persistent(5, clientId));
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();
    const droppedBefore = await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'queue_full' });
    const pub = await f.connect();
    for (let i = 0; i < 20; i++) await pub.publish(topic, String(i), { qos: 1 });
    const back = await TestClient.connect(f.broker.mqttUrl, persistent(5, clientId));
    f.cleanup.add(back, () => back.destroy());
    await barrier(pub, back);
    const texts = back.messages.history.filter((m) => m.topic === topic).map((m) => m.text);
    expect(texts).toEqual(['15', '16', '17', '18', '19']);
    expect(await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'queue_full' })).toBe(droppedBefore + 15);
  });

  it('keeps at most the configured number of messages for an offline session', async () => {
    const topic = uniqueTopic();
    const clientId = randomClientId('bounded');
    const first = await f.connect(persistent(4, clientId));
    await first.subscribe(topic, { qos: 1 });
    await first.disconnect();
    const pub = await f.connect();
    for (let i = 0; i < 20; i++) await pub.publish(topic, String(i), { qos: 1 });
    const back = await f.connect(persistent(4, clientId));
    await barrier(pub, back);
    expect(back.messages.history.filter((m) => m.topic === topic).length).toBe(5);
  });
});
