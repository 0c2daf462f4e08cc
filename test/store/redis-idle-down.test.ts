// A Redis that dies while nobody publishes still shows on /readyz: the broker probes an idle store
// with a small write (every IDLE_CHECK_MS), so a load balancer stops sending it persistent clients
// before the first one is refused; once Redis is back it is ready again by itself.
import { describe, expect } from '@jest/globals';
import { redisBrokerFixture } from '../support/redis-broker-fixture.js';
import { hasRedisServer } from '../support/redis-server.js';
import { itRequiring } from '../support/requirements.js';
import { logLines, readiness } from '../support/store-trouble.js';
import { waitFor } from '../support/wait.js';

const fixture = redisBrokerFixture({ name: 'idle-node', store: { MESHMQ_REDIS_COMMAND_TIMEOUT_MS: '1000' } });

describe('an idle broker whose Redis dies', () => {
  itRequiring(hasRedisServer())('turns not ready with the store named, and ready again when Redis is back, with no client traffic', async () => {
    const b = fixture.broker;
    await waitFor(async () => (await readiness(b.httpUrl)).status === 200, { what: '/readyz 200 at start' });
    await fixture.redis.kill();
    let last = await readiness(b.httpUrl);
    await waitFor(async () => (last = await readiness(b.httpUrl)).status === 503, { what: '/readyz 503 with no traffic', timeoutMs: 15_000 });
    expect(last.reason).toBe('store_unavailable');
    expect(logLines(b.handle, 'store unavailable')).toBe(1);
    await fixture.redis.restart();
    await waitFor(async () => (await readiness(b.httpUrl)).status === 200, { what: '/readyz 200 after Redis restarted', timeoutMs: 15_000 });
    expect(logLines(b.handle, 'store available again')).toBe(1);
  }, 60_000);
});
