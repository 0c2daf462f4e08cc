// Will messages: published when a client vanishes (socket drop, keep-alive timeout, v5
// DISCONNECT 0x04), not on a clean DISCONNECT, and after the v5 Will Delay Interval.
import { describe, expect, it } from '@jest/globals';
import { randomClientId, TestClient } from '../support/mqtt-clients.js';
import { barrier, itMeshmq, receivedTopics, uniqueTopic, useBroker } from './harness.js';

describe('04 will messages', () => {
  const f = useBroker();

  const will = (topic: string, payload = 'gone', extra: Record<string, unknown> = {}) =>
    ({ topic, payload: Buffer.from(payload), qos: 1 as const, retain: false, ...extra });

  it('publishes the will when the connection drops without DISCONNECT [MQTT-3.1.2-8]', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const c = await f.connect({ will: will(topic, 'dropped') });
    await c.destroy();
    const m = await sub.messages.next();
    expect(m.text).toBe('dropped');
    expect(m.packet.qos).toBe(1);
  });

  it('publishes a retained will as a retained message', async () => {
    const topic = uniqueTopic();
    const c = await f.connect({ will: will(topic, 'last words', { retain: true }) });
    await c.destroy();
    // The will is stored as retained: a later subscriber still gets it.
    const watcher = await f.subscribe(topic, { qos: 1 });
    const m = await watcher.messages.next();
    expect(m.text).toBe('last words');
    expect(m.packet.retain).toBe(true);
  });

  for (const version of [4, 5] as const) {
    it(`does not publish the will after a clean DISCONNECT (protocol ${version}) [MQTT-3.1.2-10]`, async () => {
      const topic = uniqueTopic();
      const sub = await f.subscribe(topic, { qos: 1 });
      const clientId = randomClientId('will');
      const c = await f.connect({ protocolVersion: version, clientId, will: will(topic) });
      await c.disconnect();
      // Reconnecting with the same id is ordered after the old session's end on the broker;
      // a barrier from this new connection then proves no will was published.
      const again = await f.connect({ protocolVersion: version, clientId });
      await barrier(again, sub);
      expect(receivedTopics(sub)).toEqual([]);
    });
  }

  it('publishes the will on v5 DISCONNECT with reason 0x04', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const c = await f.connect({ protocolVersion: 5, will: will(topic, 'asked for it') });
    await c.disconnect({ reasonCode: 0x04 });
    expect((await sub.messages.next()).text).toBe('asked for it');
  });

  it('publishes the will when the keep-alive expires', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const raw = await f.raw();
    raw.sendPacket({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: randomClientId('silent'), keepalive: 1,
      will: { topic, payload: Buffer.from('timed out'), qos: 1, retain: false },
    });
    await raw.nextPacket('connack');
    const since = Date.now();
    // Silence: the broker must give up after 1.5 x keepalive [MQTT-3.1.2-24].
    const m = await sub.messages.next(6000);
    expect(m.text).toBe('timed out');
    expect(Date.now() - since).toBeGreaterThanOrEqual(1000);
  });

  it('delays the will by the v5 Will Delay Interval', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const c = await f.connect({
      protocolVersion: 5, properties: { sessionExpiryInterval: 30 },
      will: will(topic, 'late', { properties: { willDelayInterval: 2 } }),
    });
    const since = Date.now();
    await c.destroy();
    const m = await sub.messages.next(8000);
    expect(m.text).toBe('late');
    expect(Date.now() - since).toBeGreaterThanOrEqual(1900);
  });

  it('cancels a delayed will when the client reconnects in time [MQTT-3.1.3-9]', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(`${topic}/+`, { qos: 1 });
    const clientId = randomClientId('back');
    const willOptions = (who: string) => ({
      protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 30 },
      will: will(`${topic}/${who}`, who, { properties: { willDelayInterval: 2 } }),
    });
    const returning = await f.connect({ clientId, ...willOptions('returning') });
    await returning.destroy();
    // A second client with the same delay, dropped after the first: its will is the marker
    // that the first one's delay has passed too.
    const marker = await f.connect(willOptions('marker'));
    await marker.destroy();
    const back = await TestClient.connect(f.broker.mqttUrl, { protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 30 } });
    f.cleanup.add(back, () => back.disconnect());
    expect(back.connack.sessionPresent).toBe(true);
    await sub.messages.nextMatching((m) => m.text === 'marker', 8000);
    expect(sub.messages.history.map((m) => m.text)).not.toContain('returning');
  });

  // mosquitto 2.0.11 waits for the full delay here, against [MQTT-3.1.3-9].
  itMeshmq('publishes the will when the session ends before the will delay (session expiry 0)', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const c = await f.connect({ protocolVersion: 5, will: will(topic, 'session over', { properties: { willDelayInterval: 3600 } }) });
    await c.destroy();
    // [MQTT-3.1.3-9]: the will is sent at the earlier of the delay and the session's end.
    expect((await sub.messages.next(5000)).text).toBe('session over');
  });
});
