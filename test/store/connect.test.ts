// How a broker reaches Redis: user and password in the URL or MESHMQ_REDIS_PASSWORD, TLS with
// rediss:// and a CA file; a refused password stops the start naming the setting; a Redis without
// AOF or with an evicting policy is warned about at start.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import path from 'node:path';
import { Cleanup } from '../support/cleanup.js';
import { TestClient } from '../support/mqtt-clients.js';
import { repoRoot, startMeshmq } from '../support/broker-process.js';
import { hasRedisServer, RedisServer } from '../support/redis-server.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { createTlsFixtures, type TlsFixtures } from '../support/tls-fixtures.js';
import { SpawnedProcess } from '../support/spawned-process.js';

const cleanup = new Cleanup();
let tls: TlsFixtures | undefined;
let secured: RedisServer | undefined;
let lax: RedisServer | undefined;
const PASSWORD = 'redis-s3cret';

beforeAll(async () => {
  if (!hasRedisServer().ok || !hasCommand('openssl', ['version']).ok) return;
  tls = createTlsFixtures();
  secured = await RedisServer.start({ password: PASSWORD, tls: { certFile: tls.serverCert, keyFile: tls.serverKey } });
  lax = await RedisServer.start({ appendfsync: 'off', args: ['--maxmemory-policy', 'allkeys-lru'] });
}, 60_000);
afterAll(async () => { await cleanup.run(); await secured?.stop(); await lax?.stop(); tls?.remove(); }, 30_000);

async function persistentRoundTrip(mqttUrl: string): Promise<void> {
  const sub = await TestClient.connect(mqttUrl, { protocolVersion: 5, clientId: 'conn-sub', clean: false, properties: { sessionExpiryInterval: 60 } });
  await sub.subscribe('conn/t', { qos: 1 });
  await sub.disconnect();
  const pub = await TestClient.connect(mqttUrl, { protocolVersion: 5 });
  expect(await pub.publish('conn/t', 'stored', { qos: 1 })).toBe(0);
  await pub.destroy();
  const back = await TestClient.connect(mqttUrl, { protocolVersion: 5, clientId: 'conn-sub', clean: false, properties: { sessionExpiryInterval: 60 } });
  expect((await back.messages.next(5000)).text).toBe('stored');
  await back.destroy();
}

describe('connecting to Redis', () => {
  const requirements = [hasRedisServer(), hasCommand('openssl', ['version'])];

  itRequiring(...requirements)('uses rediss:// with a CA file and the password from MESHMQ_REDIS_PASSWORD', async () => {
    const broker = await startMeshmq({ env: {
      MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: `rediss://127.0.0.1:${secured!.tlsPort}`, MESHMQ_REDIS_TLS_CA_FILE: tls!.caCert, MESHMQ_REDIS_PASSWORD: PASSWORD,
    } });
    cleanup.add(broker, () => broker.kill());
    await persistentRoundTrip(broker.mqttUrl);
    expect(await secured!.admin().exists('meshmq:s:{conn-sub}:r')).toBe(1);
  }, 30_000);

  itRequiring(...requirements)('takes the password from the URL, and a refused one stops the start naming the setting', async () => {
    const broker = await startMeshmq({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${secured!.port}/0`, MESHMQ_REDIS_KEY_PREFIX: 'url-auth' } });
    cleanup.add(broker, () => broker.kill());
    await persistentRoundTrip(broker.mqttUrl);
    const refused = new SpawnedProcess({
      command: process.execPath, args: [path.join(repoRoot(), 'dist', 'broker', 'main.js')], name: 'wrong-password',
      env: { PATH: process.env['PATH'] ?? '', MESHMQ_MQTT_PORT: '0', MESHMQ_WS_ENABLED: 'false', MESHMQ_HTTP_ENABLED: 'false', MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: `redis://:wrong@127.0.0.1:${secured!.port}`, MESHMQ_REDIS_CONNECT_TIMEOUT_MS: '1000' },
    });
    expect((await refused.exited).code).toBe(3);
    expect(refused.output()).toMatch(new RegExp(`cannot reach Redis redis://:\\*\\*\\*@127.0.0.1:${secured!.port} \\(store.redisUrl, MESHMQ_REDIS_URL\\) within 1000 ms: (WRONGPASS|ERR invalid password)`));
    expect(refused.output()).not.toContain('wrong@');
  }, 30_000);

  itRequiring(...requirements)('warns at start about a Redis without AOF or with an evicting policy', async () => {
    const broker = await startMeshmq({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: lax!.url } });
    cleanup.add(broker, () => broker.kill());
    await broker.waitForLog('appendonly is no');
    await broker.waitForLog('maxmemory-policy is allkeys-lru');
  }, 30_000);
});
