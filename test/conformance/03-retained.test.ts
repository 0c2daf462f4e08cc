// Retained messages: stored and sent on subscribe with the retain flag, replaced, deleted by
// an empty payload, matched by wildcards, and the v5 retain handling / retain-as-published options.
import { describe, expect, it } from '@jest/globals';
import { mosquittoPub, mosquittoSub } from '../support/mqtt-clients.js';
import { barrier, receivedTopics, uniqueTopic, useBroker } from './harness.js';

describe('03 retained messages', () => {
  const f = useBroker();

  it('sends the retained message to a new subscriber with the retain flag set [MQTT-3.3.1-6]', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'kept', { qos: 1, retain: true });
    const sub = await f.subscribe(topic, { qos: 1 });
    const m = await sub.messages.next();
    expect(m.text).toBe('kept');
    expect(m.packet.retain).toBe(true);
  });

  it('clears the retain flag on live delivery to an existing subscription [MQTT-3.3.1-9]', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(topic, 'live', { qos: 1, retain: true });
    const m = await sub.messages.next();
    expect(m.text).toBe('live');
    expect(m.packet.retain).toBe(false);
  });

  it('keeps only the newest retained message per topic', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'old', { qos: 1, retain: true });
    await pub.publish(topic, 'new', { qos: 1, retain: true });
    const sub = await f.subscribe(topic, { qos: 1 });
    expect((await sub.messages.next()).text).toBe('new');
    await barrier(pub, sub);
    expect(receivedTopics(sub)).toEqual([topic]);
  });

  it('deletes the retained message on an empty retained payload, which is itself not retained [MQTT-3.3.1-10/11]', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'doomed', { qos: 1, retain: true });
    await pub.publish(topic, '', { qos: 1, retain: true });
    const sub = await f.subscribe(topic, { qos: 1 });
    await barrier(pub, sub);
    expect(receivedTopics(sub)).toEqual([]);
  });

  it('sends every matching retained message to a wildcard subscriber', async () => {
    const base = uniqueTopic();
    const pub = await f.connect();
    for (const t of ['a', 'b', 'c/d']) await pub.publish(`${base}/${t}`, t, { qos: 1, retain: true });
    const plus = await f.subscribe(`${base}/+`, { qos: 1 });
    const hash = await f.subscribe(`${base}/#`, { qos: 1 });
    await barrier(pub, plus);
    await barrier(pub, hash);
    expect(receivedTopics(plus).sort()).toEqual([`${base}/a`, `${base}/b`]);
    expect(receivedTopics(hash).sort()).toEqual([`${base}/a`, `${base}/b`, `${base}/c/d`]);
    expect(hash.messages.history.filter((m) => m.topic !== '' && !m.topic.startsWith('barrier/')).every((m) => m.packet.retain)).toBe(true);
  });

  it('delivers a retained message at the lower of its QoS and the subscription QoS', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'q2', { qos: 2, retain: true });
    const sub0 = await f.subscribe(topic, { qos: 0 });
    const sub1 = await f.subscribe(topic, { qos: 1 });
    expect((await sub0.messages.next()).packet.qos).toBe(0);
    expect((await sub1.messages.next()).packet.qos).toBe(1);
  });

  it('retain handling 0 sends retained messages on every subscribe', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'r', { qos: 1, retain: true });
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe({ [topic]: { qos: 1, rh: 0 } });
    await c.subscribe({ [topic]: { qos: 1, rh: 0 } });
    await c.messages.take(2);
  });

  it('retain handling 1 sends retained messages only for a new subscription', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'r', { qos: 1, retain: true });
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe({ [topic]: { qos: 1, rh: 1 } });
    expect((await c.messages.next()).text).toBe('r');
    await c.subscribe({ [topic]: { qos: 1, rh: 1 } });
    await barrier(pub, c);
    expect(receivedTopics(c)).toEqual([topic]);
  });

  it('retain handling 2 never sends retained messages on subscribe', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'r', { qos: 1, retain: true });
    const c = await f.connect({ protocolVersion: 5 });
    await c.subscribe({ [topic]: { qos: 1, rh: 2 } });
    await barrier(pub, c);
    expect(receivedTopics(c)).toEqual([]);
  });

  it('retain-as-published keeps the retain flag on live delivery; without it the flag is cleared', async () => {
    const topic = uniqueTopic();
    const rap = await f.connect({ protocolVersion: 5 });
    await rap.subscribe({ [topic]: { qos: 1, rap: true } });
    const plain = await f.connect({ protocolVersion: 5 });
    await plain.subscribe({ [topic]: { qos: 1, rap: false } });
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publish(topic, 'flagged', { qos: 1, retain: true });
    expect((await rap.messages.next()).packet.retain).toBe(true);
    expect((await plain.messages.next()).packet.retain).toBe(false);
  });

  it('serves a message retained by mosquitto_pub to mosquitto_sub', async () => {
    const topic = uniqueTopic();
    const pub = await mosquittoPub({ host: f.broker.host, port: f.broker.ports.mqtt, qos: 1, retain: true, topic, message: 'via cli' });
    expect(pub.code).toBe(0);
    const sub = mosquittoSub({ host: f.broker.host, port: f.broker.ports.mqtt, version: 'mqttv5', qos: 1, topics: [topic], count: 1, timeoutSeconds: 10 });
    f.cleanup.add(sub, () => sub.kill());
    const result = await sub.done;
    expect(result.code).toBe(0);
    expect(result.messages).toEqual([{ topic, payload: 'via cli' }]);
  });
});
