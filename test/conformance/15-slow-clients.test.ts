// Slow clients: a subscriber that stops reading must not make broker memory grow without
// bound. Its output is capped, the stated policy applies (disconnect, or drop QoS 0) and is
// counted, and a fast subscriber on the same topic keeps getting everything.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { metricValue } from '../support/http-client.js';
import { target, uniqueTopic, useBroker, type BrokerFixture } from './harness.js';

const describeMeshmq = target === 'meshmq' ? describe : describe.skip;
const PAYLOAD = randomBytes(4096);
const BATCH = 100;
const MAX_MESSAGES = 10000; // 40 MiB at most: far beyond the cap plus kernel socket buffers
const MAX_MS = 30000;

/**
 * Publishes QoS 0 batches to `topic` until `done()` says so, pacing on the fast subscriber (so
 * only the paused one falls behind). Returns how many were published.
 */
async function floodUntil(f: BrokerFixture, topic: string, done: () => Promise<boolean>): Promise<number> {
  const fast = await f.subscribe(topic, { qos: 0 });
  const pub = await f.rawConnected({ protocolVersion: 4 });
  const started = Date.now();
  let sent = 0;
  while (!(await done())) {
    if (sent >= MAX_MESSAGES || Date.now() - started > MAX_MS) throw new Error(`policy not applied after ${sent} messages / ${Date.now() - started} ms`);
    for (let i = 0; i < BATCH; i++) pub.sendPacket({ cmd: 'publish', topic, payload: PAYLOAD, qos: 0, dup: false, retain: false });
    sent += BATCH;
    await fast.messages.take(BATCH, 10000);
  }
  // The fast subscriber was never held back.
  expect(fast.isClosed).toBe(false);
  return sent;
}

describeMeshmq('15 slow clients: disconnect policy', () => {
  const f = useBroker({ config: { limits: { maxOutputBufferBytes: 256 * 1024, slowClientPolicy: 'disconnect' } } });

  it('disconnects a subscriber that stops reading, counts it, and keeps memory bounded', async () => {
    const topic = uniqueTopic();
    const slow = await f.rawConnected({ protocolVersion: 4 });
    slow.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
    await slow.nextPacket('suback');
    slow.pause();
    const rssBefore = await metricValue(f.broker.httpUrl, 'process_resident_memory_bytes');
    const closedBefore = await metricValue(f.broker.httpUrl, 'meshmq_connections_closed_total', { reason: 'slow_client' });
    const sent = await floodUntil(f, topic, async () =>
      (await metricValue(f.broker.httpUrl, 'meshmq_connections_closed_total', { reason: 'slow_client' })) > closedBefore);
    expect(sent).toBeGreaterThan(0);
    const rssAfter = await metricValue(f.broker.httpUrl, 'process_resident_memory_bytes');
    // Tens of MiB went through; what stays must be nowhere near that.
    expect(rssAfter - rssBefore).toBeLessThan(32 * 1024 * 1024);
    slow.resume();
    expect(await slow.waitClosed(5000)).toBe(true);
  });
});

describeMeshmq('15 slow clients: drop-qos0 policy', () => {
  const f = useBroker({ config: { limits: { maxOutputBufferBytes: 256 * 1024, slowClientPolicy: 'drop-qos0' } } });

  it('drops QoS 0 messages for a subscriber that stops reading, counts them, and keeps it connected', async () => {
    const topic = uniqueTopic();
    const slow = await f.rawConnected({ protocolVersion: 4 });
    slow.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }, { topic: `${topic}/marker`, qos: 1 }] });
    await slow.nextPacket('suback');
    slow.pause();
    const droppedBefore = await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'slow_client' });
    await floodUntil(f, topic, async () =>
      (await metricValue(f.broker.httpUrl, 'meshmq_messages_dropped_total', { reason: 'slow_client' })) > droppedBefore + BATCH);
    slow.resume();
    // Once it reads again it is still connected and gets new messages.
    const pub = await f.connect();
    await pub.publish(`${topic}/marker`, 'after', { qos: 1 });
    const marker = await slow.packets.nextMatching((p) => p.cmd === 'publish' && p.topic === `${topic}/marker`, 15000);
    expect(marker.cmd).toBe('publish');
    expect(slow.isClosed).toBe(false);
  });
});
