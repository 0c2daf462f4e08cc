// Shared subscriptions ($share/group/filter): one member per message, round robin, ordinary
// subscribers unaffected, no retained messages on subscribe, and unacknowledged QoS 1 messages
// re-dispatched to the remaining members when a member leaves.
import { describe, expect, it } from '@jest/globals';
import type { IPublishPacket } from 'mqtt-packet';
import { barrier, itMeshmq, receivedTopics, uniqueTopic, useBroker } from './harness.js';

describe('07 shared subscriptions', () => {
  const f = useBroker();

  it('delivers each message to exactly one member, round robin', async () => {
    const topic = uniqueTopic();
    const a = await f.subscribe(`$share/g1/${topic}`, { protocolVersion: 5, qos: 1 });
    const b = await f.subscribe(`$share/g1/${topic}`, { protocolVersion: 5, qos: 1 });
    const pub = await f.connect();
    for (let i = 0; i < 10; i++) await pub.publish(topic, String(i), { qos: 1 });
    await barrier(pub, a);
    await barrier(pub, b);
    const got = [...receivedTopics(a), ...receivedTopics(b)];
    expect(got.length).toBe(10);
    const texts = [...a.messages.history, ...b.messages.history].filter((m) => m.topic === topic).map((m) => Number(m.text)).sort((x, y) => x - y);
    expect(texts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(receivedTopics(a).length).toBe(5);
    expect(receivedTopics(b).length).toBe(5);
  });

  it('gives each group its own copy and ordinary subscribers every message', async () => {
    const topic = uniqueTopic();
    const g1 = await f.subscribe(`$share/one/${topic}`, { protocolVersion: 5, qos: 1 });
    const g2 = await f.subscribe(`$share/two/${topic}`, { protocolVersion: 5, qos: 1 });
    const plain = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    for (let i = 0; i < 4; i++) await pub.publish(topic, String(i), { qos: 1 });
    for (const c of [g1, g2, plain]) await barrier(pub, c);
    expect(receivedTopics(g1).length).toBe(4);
    expect(receivedTopics(g2).length).toBe(4);
    expect(receivedTopics(plain).length).toBe(4);
  });

  it('matches wildcards inside a shared filter', async () => {
    const base = uniqueTopic();
    const member = await f.subscribe(`$share/w/${base}/+/x`, { protocolVersion: 5, qos: 1 });
    const pub = await f.connect();
    await pub.publish(`${base}/a/x`, '1', { qos: 1 });
    await pub.publish(`${base}/a/y`, '2', { qos: 1 });
    await barrier(pub, member);
    expect(receivedTopics(member)).toEqual([`${base}/a/x`]);
  });

  // Retained messages go to a new *non-shared* subscription only (MQTT 5, 3.3.1.3 and 4.8.2);
  // mosquitto 2.0.11 sends them to shared ones too.
  itMeshmq('does not send retained messages when a shared subscription is made', async () => {
    const topic = uniqueTopic();
    const pub = await f.connect();
    await pub.publish(topic, 'retained', { qos: 1, retain: true });
    const member = await f.subscribe(`$share/r/${topic}`, { protocolVersion: 5, qos: 1 });
    await barrier(pub, member);
    expect(receivedTopics(member)).toEqual([]);
  });

  // mosquitto 2.0.11 does not re-dispatch; meshmq promises it (issue 2).
  itMeshmq('re-dispatches unacknowledged QoS 1 messages to another member when a member leaves', async () => {
    const topic = uniqueTopic();
    const filter = `$share/redis/${topic}`;
    const stuck = await f.rawConnected({ protocolVersion: 5, clean: true, clientId: `stuck-${Date.now()}` });
    stuck.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
    await stuck.nextPacket('suback');
    const healthy = await f.subscribe(filter, { protocolVersion: 5, qos: 1 });
    const pub = await f.connect();
    for (let i = 0; i < 6; i++) await pub.publish(topic, String(i), { qos: 1 });
    // The stuck member got its share and never acknowledges it.
    const held = (await stuck.packets.take(3)).filter((p): p is IPublishPacket => p.cmd === 'publish');
    expect(held.length).toBe(3);
    stuck.destroy();
    const all = await waitForTexts(healthy, 6);
    expect(all).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  async function waitForTexts(client: Awaited<ReturnType<typeof f.subscribe>>, count: number): Promise<string[]> {
    const seen = new Set<string>();
    const deadline = Date.now() + 8000;
    while (seen.size < count) {
      const m = await client.messages.next(Math.max(1, deadline - Date.now()));
      seen.add(m.text);
    }
    return [...seen].sort();
  }
});
