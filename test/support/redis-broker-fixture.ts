// One meshmq broker on its own real redis-server for a test file: both started before the file's
// tests (only where redis-server is installed: the tests say they were skipped otherwise) and
// stopped after them, with what the tests registered in `cleanup` closed first.
import { afterAll, beforeAll } from '@jest/globals';
import { Cleanup } from './cleanup.js';
import { RedisBroker } from './redis-broker.js';
import { hasRedisServer, RedisServer, type RedisServerOptions } from './redis-server.js';

export interface RedisBrokerFixtureOptions {
  readonly name: string;
  readonly redis?: RedisServerOptions;
  /** MESHMQ_* store variables beside MESHMQ_REDIS_URL (which the fixture sets). */
  readonly store?: Record<string, string>;
  readonly env?: Record<string, string>;
}

export interface RedisBrokerFixture {
  readonly redis: RedisServer;
  readonly broker: RedisBroker;
  readonly cleanup: Cleanup;
}

export function redisBrokerFixture(options: RedisBrokerFixtureOptions): RedisBrokerFixture {
  let redis: RedisServer | undefined;
  let broker: RedisBroker | undefined;
  const cleanup = new Cleanup();
  beforeAll(async () => {
    if (!hasRedisServer().ok) return;
    redis = await RedisServer.start(options.redis ?? {});
    broker = await RedisBroker.start({
      name: options.name, store: { MESHMQ_REDIS_URL: redis.url, ...options.store }, ...(options.env === undefined ? {} : { env: options.env }),
    });
  }, 60_000);
  afterAll(async () => { await cleanup.run(); await broker?.stop(); await redis?.stop(); }, 30_000);
  return {
    get redis(): RedisServer { if (redis === undefined) throw new Error('redis-server did not start'); return redis; },
    get broker(): RedisBroker { if (broker === undefined) throw new Error(`${options.name} did not start`); return broker; },
    cleanup,
  };
}
