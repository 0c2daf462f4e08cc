// A broker on Redis killed with kill -9 and started again loses nothing it promised (MQTT 3.1.1 and
// 5.0, QoS 1 and 2): the subscriber's session comes back with its subscription, its queue, its
// inflight messages (resent with DUP in their order, a PUBREC'd one as PUBREL), and the publisher's
// unreleased QoS 2 id, so its resend is acknowledged without being delivered twice.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { RedisKeys } from '../../broker/store/redis/redis-keys.js';
import { Cleanup } from '../support/cleanup.js';
import { TestClient } from '../support/mqtt-clients.js';
import { RawMqttSocket } from '../support/raw-mqtt-socket.js';
import { RedisBroker } from '../support/redis-broker.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const keys = new RedisKeys('meshmq');
let redis: RedisServer | undefined;
let broker: RedisBroker | undefined;
const cleanup = new Cleanup();

beforeAll(async () => {
  if (!hasRedisServer().ok) return;
  redis = await RedisServer.start();
  broker = await RedisBroker.start({ name: 'restart-node', store: { MESHMQ_REDIS_URL: redis.url }, env: { MESHMQ_MAX_INFLIGHT: '3', MESHMQ_RECEIVE_MAXIMUM: '10' } });
}, 60_000);
afterAll(async () => { await cleanup.run(); await broker?.stop(); await redis?.stop(); }, 30_000);

function connectPacket(clientId: string, version: 4 | 5): IConnectPacket {
  return {
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: false, clientId, keepalive: 60,
    ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
  };
}

async function raw(clientId: string, version: 4 | 5): Promise<{ socket: RawMqttSocket; present: boolean }> {
  const socket = await RawMqttSocket.connect(broker!.host, broker!.ports.mqtt, version);
  cleanup.add(socket, () => socket.destroy());
  socket.sendPacket(connectPacket(clientId, version));
  const connack = await socket.nextPacket('connack') as Packet & { sessionPresent: boolean; reasonCode?: number; returnCode?: number };
  expect(connack.reasonCode ?? connack.returnCode).toBe(0);
  return { socket, present: connack.sessionPresent };
}

const text = (p: Packet): string => String((p as IPublishPacket).payload);

describe.each([4, 5] as const)('a broker on Redis, killed and restarted (MQTT %s)', (version) => {
  itRequiring(hasRedisServer())('keeps the session, its queue and inflight both ways, and delivers each message once', async () => {
    const sub = `sub-${version}`;
    const pubId = `pub-${version}`;
    const topic = (n: number) => `restart/${version}/${n}`;
    // The subscriber makes its session and goes away without a DISCONNECT.
    let s = await raw(sub, version);
    s.socket.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `restart/${version}/+`, qos: 2 }] });
    await s.socket.nextPacket('suback');
    s.socket.destroy();
    await s.socket.closed;

    const pub = cleanup.add(await TestClient.connect(broker!.mqttUrl, { clientId: `p-${version}`, protocolVersion: version }), () => undefined);
    for (const [n, qos] of [[1, 1], [2, 2], [3, 1], [4, 2]] as const) expect(await pub.publish(topic(n), `m${n}`, { qos })).toBe(0);
    // A raw publisher whose QoS 2 message is received (PUBREC) but not yet released.
    let q = await raw(pubId, version);
    q.socket.sendPacket({ cmd: 'publish', topic: topic(5), payload: Buffer.from('m5'), qos: 2, messageId: 7, retain: false, dup: false });
    expect((await q.socket.nextPacket('pubrec')).messageId).toBe(7);

    // Back online: m1..m3 fill its window of 3; m1's PUBACK lets m4 out; m2's PUBREC gets a PUBREL.
    s = await raw(sub, version);
    expect(s.present).toBe(true);
    const first = [await s.socket.nextPacket('publish'), await s.socket.nextPacket('publish'), await s.socket.nextPacket('publish')] as IPublishPacket[];
    expect(first.map(text)).toEqual(['m1', 'm2', 'm3']);
    const id = (p: IPublishPacket): number => p.messageId ?? 0;
    s.socket.sendPacket({ cmd: 'puback', messageId: id(first[0]!) });
    const m4 = await s.socket.nextPacket('publish') as IPublishPacket;
    expect(text(m4)).toBe('m4');
    s.socket.sendPacket({ cmd: 'pubrec', messageId: id(first[1]!) });
    expect((await s.socket.nextPacket('pubrel')).messageId).toBe(id(first[1]!));
    // Stored as the broker holds it: m2 awaiting PUBCOMP, m3 and m4 unacknowledged, m5 queued.
    const admin = redis!.admin();
    await waitFor(async () => {
      const inflight = (await admin.hkeys(keys.session(sub).inflight)).map(Number).sort((a, b) => a - b);
      return inflight.join() === [id(first[1]!), id(first[2]!), id(m4)].sort((a, b) => a - b).join() && (await admin.llen(keys.session(sub).queue)) === 1;
    }, { what: 'the session state in Redis', timeoutMs: 5000 });

    await broker!.kill();
    await broker!.restart();

    // The publisher resends its unreleased QoS 2 message: acknowledged, not delivered again.
    q = await raw(pubId, version);
    expect(q.present).toBe(true);
    q.socket.sendPacket({ cmd: 'publish', topic: topic(5), payload: Buffer.from('m5'), qos: 2, messageId: 7, retain: false, dup: true });
    expect((await q.socket.nextPacket('pubrec')).messageId).toBe(7);
    q.socket.sendPacket({ cmd: 'pubrel', messageId: 7 });
    expect((await q.socket.nextPacket('pubcomp')).messageId).toBe(7);

    s = await raw(sub, version);
    expect(s.present).toBe(true);
    // [MQTT-4.4.0-1] PUBREL first for the one PUBREC'd, then the unacknowledged PUBLISH with DUP, in order.
    const resent = [await s.socket.nextPacket(), await s.socket.nextPacket(), await s.socket.nextPacket()];
    expect(resent.map((p) => [p.cmd, p.messageId, p.cmd === 'publish' ? [text(p), p.dup] : undefined])).toEqual([
      ['pubrel', id(first[1]!), undefined], ['publish', id(first[2]!), ['m3', true]], ['publish', id(m4), ['m4', true]],
    ]);
    s.socket.sendPacket({ cmd: 'pubcomp', messageId: id(first[1]!) });
    const m5 = await s.socket.nextPacket('publish') as IPublishPacket;
    expect([text(m5), m5.dup, m5.qos]).toEqual(['m5', false, 2]);
    s.socket.sendPacket({ cmd: 'puback', messageId: id(first[2]!) });
    for (const p of [m4, m5]) {
      s.socket.sendPacket({ cmd: 'pubrec', messageId: id(p) });
      expect((await s.socket.nextPacket('pubrel')).messageId).toBe(id(p));
      s.socket.sendPacket({ cmd: 'pubcomp', messageId: id(p) });
    }
    // Nothing more: the next message is a marker published now, not a duplicate.
    const pub2 = cleanup.add(await TestClient.connect(broker!.mqttUrl, { clientId: `p2-${version}`, protocolVersion: version }), () => undefined);
    expect(await pub2.publish(topic(9), 'end', { qos: 1 })).toBe(0);
    const next = await s.socket.nextPacket('publish');
    expect(text(next)).toBe('end');
    await waitFor(async () => (await admin.hlen(keys.session(sub).inflight)) === 1, { what: 'only the marker inflight in Redis' });
    await cleanup.run();
  }, 60_000);
});
