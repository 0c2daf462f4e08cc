// What reaches Redis, counted with MONITOR and INFO commandstats: QoS 0 publishes (to persistent
// and clean subscribers) and QoS 0/1/2 traffic between clean sessions write nothing on the publish
// path, while a QoS 1 message for an offline persistent session is written (the control that shows
// the count sees writes); and expiry of sessions, queued and retained messages never walks the
// keyspace (no SCAN, no KEYS).
import { createHash } from 'node:crypto';
import { describe, expect } from '@jest/globals';
import { RedisKeys } from '../../broker/store/redis/redis-keys.js';
import { APPLY_SCRIPT, RETAIN_DELETE_SCRIPT, RETAIN_PUT_SCRIPT } from '../../broker/store/redis/redis-scripts.js';
import { TestClient } from '../support/mqtt-clients.js';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const keys = new RedisKeys('meshmq');
const sha = (lua: string): string => createHash('sha1').update(lua).digest('hex');
/** Scripts a publish runs: a session's writes, a retained message's put or delete. */
const PUBLISH_SCRIPTS = new Set([sha(APPLY_SCRIPT), sha(RETAIN_PUT_SCRIPT), sha(RETAIN_DELETE_SCRIPT)]);

const fixture = redisBrokerFixture({ redis: { appendfsync: 'everysec' }, name: 'count-node' });

async function connect(options: Parameters<typeof TestClient.connect>[1]): Promise<TestClient> {
  const client = await TestClient.connect(fixture.broker.mqttUrl, { protocolVersion: 5, ...options });
  return fixture.cleanup.add(client, () => client.destroy());
}

/** Every command Redis runs from now on (MONITOR), as argument lists, command name lower-cased. */
async function monitor(): Promise<{ commands: string[][]; stop: () => void }> {
  const commands: string[][] = [];
  const m = await (fixture.redis.admin()).monitor();
  m.on('monitor', (_time: string, args: string[]) => { commands.push([String(args[0]).toLowerCase(), ...args.slice(1).map(String)]); });
  return { commands, stop: () => { m.disconnect(); } };
}

/** Commands that write for a publish: a publish script, or any command on a session's or index key. */
function publishWrites(commands: readonly string[][]): string[][] {
  return commands.filter(([cmd, ...args]) => (cmd === 'evalsha' || cmd === 'eval')
    ? PUBLISH_SCRIPTS.has(cmd === 'evalsha' ? args[0]! : sha(args[0]!))
    : args.some((a) => a.startsWith('meshmq:s:') || a.startsWith('meshmq:i:')));
}

async function commandStats(): Promise<Map<string, number>> {
  const info = await fixture.redis.admin().info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe('writes to Redis', () => {
  itRequiring(hasRedisServer())('none for QoS 0 and clean sessions on the publish path; one for a QoS 1 message to an offline persistent session', async () => {
    const persistent = await connect({ clientId: 'count-persistent', clean: false, properties: { sessionExpiryInterval: 300 } });
    await persistent.subscribe('count/#', { qos: 1 });
    const cleanSub = await connect({});
    await cleanSub.subscribe(['count/#', 'clean/#'], { qos: 2 });
    const clean311 = await connect({ protocolVersion: 4 });
    await clean311.subscribe('clean/#', { qos: 2 });
    const pub = await connect({});
    const pub311 = await connect({ protocolVersion: 4 });
    // The subscription is stored before the count starts.
    await waitFor(async () => (await fixture.redis.admin().exists(keys.session('count-persistent').subscriptions)) === 1, { what: 'the stored subscription' });

    const seen = await monitor();
    fixture.cleanup.add(seen, () => seen.stop());
    const QOS0 = 500;
    for (let i = 0; i < QOS0; i++) await pub.publish('count/zero', `z${i}`, { qos: 0 });
    for (let i = 0; i < 100; i++) {
      expect(await pub.publish('clean/one', `a${i}`, { qos: 1 })).toBe(0);
      expect(await pub311.publish('clean/two', `b${i}`, { qos: 2 })).toBe(0);
    }
    expect((await persistent.messages.take(QOS0, 10_000)).every((m) => m.packet.qos === 0)).toBe(true);
    expect((await cleanSub.messages.take(QOS0 + 200, 10_000)).length).toBe(QOS0 + 200);
    expect((await clean311.messages.take(200, 10_000)).length).toBe(200);
    // A command the broker sends after this one is seen by MONITOR after it: the publish path is done.
    await fixture.redis.admin().set('count:marker:1', '1');
    await waitFor(() => seen.commands.some(([c, k]) => c === 'set' && k === 'count:marker:1'), { what: 'the first marker in MONITOR' });
    expect(publishWrites(seen.commands)).toEqual([]);

    // The control: the persistent session goes offline, and a QoS 1 message to it is written.
    await persistent.disconnect();
    expect(await pub.publish('count/one', 'stored', { qos: 1 })).toBe(0);
    await waitFor(() => publishWrites(seen.commands).some((c) => c.includes(keys.session('count-persistent').queue)), { what: 'the queued message written to Redis' });
  }, 30_000);

  itRequiring(hasRedisServer())('expires sessions, queued and retained messages without SCAN or KEYS', async () => {
    const admin = fixture.redis.admin();
    await admin.config('RESETSTAT');
    const sessions = ['count-exp-1', 'count-exp-2'];
    for (const clientId of sessions) {
      const c = await connect({ clientId, clean: false, properties: { sessionExpiryInterval: 1 } });
      await c.subscribe('count/exp', { qos: 1 });
      await c.disconnect();
    }
    const queued = await connect({ clientId: 'count-exp-queue', clean: false, properties: { sessionExpiryInterval: 300 } });
    await queued.subscribe('count/expq', { qos: 1 });
    await queued.disconnect();
    const pub = await connect({});
    expect(await pub.publish('count/expq', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } })).toBe(0);
    expect(await pub.publish('count/exp/retained', 'short', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } })).toBe(0);
    expect(await admin.llen(keys.session('count-exp-queue').queue)).toBe(1);
    expect(await admin.hexists(keys.retainedMessages, 'count/exp/retained')).toBe(1);

    await waitFor(async () => {
      const left = await Promise.all(sessions.map((id) => admin.exists(keys.session(id).record)));
      return left.every((n) => n === 0)
        && (await admin.llen(keys.session('count-exp-queue').queue)) === 0
        && (await admin.hexists(keys.retainedMessages, 'count/exp/retained')) === 0;
    }, { what: 'expired sessions, queued and retained messages gone from Redis', timeoutMs: 15_000 });
    const stats = await commandStats();
    expect(stats.size).toBeGreaterThan(0);
    expect([stats.get('scan') ?? 0, stats.get('keys') ?? 0]).toEqual([0, 0]);
  }, 30_000);
});
