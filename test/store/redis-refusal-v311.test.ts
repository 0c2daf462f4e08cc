// An MQTT 3.1.1 client cannot be told "not accepted" (3.1.1 has no negative PUBACK): while Redis
// is down its QoS 1 publish to a persistent subscriber gets no PUBACK and its connection is
// closed, so a real client (mqtt.js, clean session 0, reconnecting) keeps the message and sends
// it again when it reconnects [MQTT-4.4.0-1]; once Redis is back that resend is acknowledged and
// reaches the persistent subscriber, also after a kill -9 of the broker.
import { describe, expect } from '@jest/globals';
import mqtt from 'mqtt';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { CountingSubscriber } from '../support/counting-subscriber.js';
import { metricValue } from '../support/http-client.js';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { expectCleanTrafficServed, readiness } from '../support/store-trouble.js';
import { waitFor } from '../support/wait.js';

const fixture = redisBrokerFixture({ redis: { appendfsync: 'always' }, name: 'v311-node', store: { MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '500' } });

describe('MQTT 3.1.1 publisher while Redis is down', () => {
  itRequiring(hasRedisServer())('gets no PUBACK, is disconnected, resends on reconnect, and the resend is acknowledged and delivered', async () => {
    const b = fixture.broker;
    const sub = new CountingSubscriber('v311-sub', 4);
    fixture.cleanup.add(sub, () => sub.close());
    await sub.connect(b.host, b.ports.mqtt, { filter: 'v311/#', qos: 1 });

    // A real 3.1.1 client with a persistent session that reconnects by itself, also after a refused CONNACK.
    const client = mqtt.connect(b.mqttUrl, {
      protocolVersion: 4, clientId: 'v311-pub', clean: false, reconnectPeriod: 100, reconnectOnConnackError: true, connectTimeout: 5000,
    });
    fixture.cleanup.add(client, () => { client.end(true); });
    client.on('error', () => { /* a refused CONNACK while Redis is down: it reconnects */ });
    const sent: IPublishPacket[] = [];
    const pubacks: Array<{ id: number; at: 'down' | 'up' }> = [];
    let phase: 'down' | 'up' = 'up';
    client.on('packetsend', (p: Packet) => { if (p.cmd === 'publish') sent.push(p); });
    client.on('packetreceive', (p: Packet) => { if (p.cmd === 'puback') pubacks.push({ id: p.messageId ?? 0, at: phase }); });
    const publish = (payload: string): Promise<void> => new Promise((resolve, reject) => {
      client.publish('v311/x', payload, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await publish('before');

    await fixture.redis.kill();
    phase = 'down';
    let acked = false;
    const during = publish('during').then(() => { acked = true; });
    // The broker tried to store it, could not, and closed the connection without a PUBACK.
    await waitFor(async () => (await metricValue(b.httpUrl, 'meshmq_store_refused_publishes_total', { action: 'disconnect' })) >= 1, { what: 'the 3.1.1 publish refused by a disconnect', timeoutMs: 10_000 });
    expect(await metricValue(b.httpUrl, 'meshmq_connections_closed_total', { reason: 'store_unavailable' })).toBeGreaterThanOrEqual(1);
    const ready = await readiness(b.httpUrl);
    expect([ready.status, ready.reason]).toEqual([503, 'store_unavailable']);
    // Its reconnects are refused (server unavailable: its session cannot be taken from the store)
    // while clean 3.1.1 sessions are served.
    await waitFor(async () => (await metricValue(b.httpUrl, 'meshmq_store_refused_publishes_total', { action: 'connect_refused' })) >= 2, { what: 'reconnects refused while Redis is down', timeoutMs: 10_000 });
    await expectCleanTrafficServed(b.mqttUrl, 'clean311', 4);
    expect(acked).toBe(false);
    const duringId = sent.find((p) => String(p.payload) === 'during')?.messageId;
    expect(duringId).toBeDefined();
    expect(pubacks.filter((a) => a.id === duringId)).toEqual([]);

    await fixture.redis.restart();
    phase = 'up';
    await during;
    // Acknowledged once, after Redis was back, for the resend (same packet id).
    expect(pubacks.filter((a) => a.id === duringId)).toEqual([{ id: duringId, at: 'up' }]);
    const resends = sent.filter((p) => String(p.payload) === 'during');
    expect(resends.length).toBeGreaterThanOrEqual(2);
    expect(resends.every((p) => p.messageId === duringId)).toBe(true);
    await waitFor(() => sub.counts.has('during') && sub.counts.has('before'), { what: 'both messages at the persistent subscriber' });

    // Stored, not only delivered: the subscriber goes offline, a message is queued, the broker is killed.
    sub.close();
    await publish('queued');
    await b.kill();
    await b.restart();
    expect(await sub.connect(b.host, b.ports.mqtt)).toBe(true);
    await waitFor(() => sub.counts.has('queued'), { what: 'the queued message after a kill -9 of the broker' });
  }, 60_000);
});
