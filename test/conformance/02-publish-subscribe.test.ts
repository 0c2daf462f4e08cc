// Publish/subscribe end to end: QoS 0/1/2 with mqtt.js (3.1.1 and 5.0) and mosquitto_pub/sub,
// QoS downgrade, overlapping subscriptions, wildcard matching, ordering, payload integrity.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mosquittoPub, mosquittoSub } from '../support/mqtt-clients.js';
import { barrier, receivedTopics, uniqueTopic, useBroker } from './harness.js';

describe('02 publish/subscribe', () => {
  const f = useBroker();

  for (const version of [4, 5] as const) {
    for (const qos of [0, 1, 2] as const) {
      it(`delivers QoS ${qos} end to end (protocol ${version === 4 ? '3.1.1' : '5.0'})`, async () => {
        const topic = uniqueTopic();
        const sub = await f.subscribe(topic, { protocolVersion: version, qos });
        const pub = await f.connect({ protocolVersion: version });
        const code = await pub.publish(topic, `q${qos}`, { qos });
        expect(code).toBe(0);
        const m = await sub.messages.next();
        expect(m.text).toBe(`q${qos}`);
        expect(m.packet.qos).toBe(qos);
        expect(m.packet.retain).toBe(false);
      });
    }
  }

  it('delivers at the lower of publish and subscription QoS [MQTT-3.8.4-8]', async () => {
    const topic = uniqueTopic();
    const sub0 = await f.subscribe(topic, { qos: 0 });
    const sub2 = await f.subscribe(topic, { qos: 2 });
    const pub = await f.connect();
    await pub.publish(topic, 'two', { qos: 2 });
    await pub.publish(topic, 'one', { qos: 1 });
    expect((await sub0.messages.take(2)).map((m) => m.packet.qos)).toEqual([0, 0]);
    // QoS 1 and 2 flows are not ordered with each other, so compare as a set.
    expect((await sub2.messages.take(2)).map((m) => `${m.text}:${m.packet.qos}`).sort()).toEqual(['one:1', 'two:2']);
  });

  it('grants the requested QoS in SUBACK', async () => {
    const c = await f.connect({ protocolVersion: 5 });
    expect(await c.subscribe({ [uniqueTopic()]: { qos: 0 }, [uniqueTopic()]: { qos: 1 }, [uniqueTopic()]: { qos: 2 } })).toEqual([0, 1, 2]);
  });

  it('matches + and # wildcards and nothing else', async () => {
    const base = uniqueTopic();
    const plus = await f.subscribe(`${base}/+/temp`);
    const hash = await f.subscribe(`${base}/a/#`);
    const pub = await f.connect();
    for (const t of [`${base}/a/temp`, `${base}/b/temp`, `${base}/a/b/temp`, `${base}/a`, `${base}/temp`, `${base}/a/x/y/z`]) await pub.publish(t, 'x', { qos: 1 });
    await barrier(pub, plus);
    await barrier(pub, hash);
    expect(receivedTopics(plus)).toEqual([`${base}/a/temp`, `${base}/b/temp`]);
    // `a/#` also matches its parent `a` [MQTT-4.7.1-2].
    expect(receivedTopics(hash).sort()).toEqual([`${base}/a`, `${base}/a/b/temp`, `${base}/a/temp`, `${base}/a/x/y/z`].sort());
  });

  it('treats topics as case sensitive and empty levels as levels', async () => {
    const base = uniqueTopic();
    const sub = await f.subscribe(`${base}/+/x`);
    const pub = await f.connect();
    await pub.publish(`${base}//x`, 'empty level', { qos: 1 });
    await pub.publish(`${base}/A/X`, 'wrong case', { qos: 1 });
    await barrier(pub, sub);
    expect(receivedTopics(sub)).toEqual([`${base}//x`]);
  });

  it('delivers overlapping subscriptions at the highest matching QoS [MQTT-3.3.4-2]', async () => {
    const base = uniqueTopic();
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe(`${base}/+`, { qos: 0 });
    await c.subscribe(`${base}/#`, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(`${base}/x`, 'overlap', { qos: 1 });
    await barrier(pub, c);
    const copies = c.messages.history.filter((m) => m.topic === `${base}/x`);
    expect(copies.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...copies.map((m) => m.packet.qos))).toBe(1);
  });

  it('stops delivering after UNSUBSCRIBE', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(topic, 'before', { qos: 1 });
    expect((await sub.messages.next()).text).toBe('before');
    await sub.unsubscribe(topic);
    await pub.publish(topic, 'after', { qos: 1 });
    await barrier(pub, sub);
    expect(receivedTopics(sub)).toEqual([topic]);
  });

  it('keeps the order of one publisher\'s QoS 1 messages', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publish(topic, String(i), { qos: 1 })));
    const got = await sub.messages.take(200, 10000);
    expect(got.map((m) => Number(m.text))).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('delivers a 256 KiB binary payload byte for byte', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1, protocolVersion: 5 });
    const pub = await f.connect({ protocolVersion: 5 });
    const payload = randomBytes(256 * 1024);
    await pub.publish(topic, payload, { qos: 1 });
    expect((await sub.messages.next()).payload.equals(payload)).toBe(true);
  });

  it('delivers an empty non-retained payload', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(topic, '', { qos: 1 });
    expect((await sub.messages.next()).payload.length).toBe(0);
  });

  for (const version of ['mqttv311', 'mqttv5'] as const) {
    it(`carries QoS 2 from mosquitto_pub to mosquitto_sub (${version})`, async () => {
      const topic = uniqueTopic();
      const sub = mosquittoSub({ host: f.broker.host, port: f.broker.ports.mqtt, version, qos: 2, topics: [topic], count: 2, timeoutSeconds: 10 });
      f.cleanup.add(sub, () => sub.kill());
      await sub.ready;
      for (const message of ['first', 'second']) {
        const pub = await mosquittoPub({ host: f.broker.host, port: f.broker.ports.mqtt, version, qos: 2, topic, message });
        expect(pub.code).toBe(0);
      }
      const result = await sub.done;
      expect(result.code).toBe(0);
      expect(result.messages).toEqual([{ topic, payload: 'first' }, { topic, payload: 'second' }]);
    });
  }

  it('carries messages between mosquitto clients and mqtt.js both ways', async () => {
    const topic = uniqueTopic();
    const jsSub = await f.subscribe(topic, { qos: 1, protocolVersion: 5 });
    const pub = await mosquittoPub({ host: f.broker.host, port: f.broker.ports.mqtt, version: 'mqttv5', qos: 1, topic, message: 'from mosquitto_pub' });
    expect(pub.code).toBe(0);
    expect((await jsSub.messages.next()).text).toBe('from mosquitto_pub');

    const back = `${topic}/back`;
    const sub = mosquittoSub({ host: f.broker.host, port: f.broker.ports.mqtt, version: 'mqttv311', qos: 1, topics: [back], count: 1, timeoutSeconds: 10 });
    f.cleanup.add(sub, () => sub.kill());
    await sub.ready;
    const js = await f.connect();
    await js.publish(back, 'from mqtt.js', { qos: 1 });
    expect((await sub.done).messages).toEqual([{ topic: back, payload: 'from mqtt.js' }]);
  });
});
