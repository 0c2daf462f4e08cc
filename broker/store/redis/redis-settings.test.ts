import { describe, expect, it } from '@jest/globals';
import { checkRedisSettings, parseConfigReply } from './redis-settings.js';

describe('checkRedisSettings', () => {
  it('is quiet for AOF with everysec or always and noeviction', () => {
    expect(checkRedisSettings('r', { appendonly: 'yes', appendfsync: 'everysec', 'maxmemory-policy': 'noeviction' })).toEqual([]);
    expect(checkRedisSettings('r', { appendonly: 'yes', appendfsync: 'always', 'maxmemory-policy': 'noeviction' })).toEqual([]);
  });

  it('warns about no AOF, a lax fsync and an evicting policy, naming the server and the fix', () => {
    expect(checkRedisSettings('r:1', parseConfigReply(['appendonly', 'no', 'appendfsync', 'everysec', 'maxmemory-policy', 'allkeys-lru']))).toEqual([
      'Redis r:1: appendonly is no: a Redis restart loses what was written since its last snapshot; set appendonly yes with appendfsync everysec or always',
      'Redis r:1: maxmemory-policy is allkeys-lru: under memory pressure Redis would evict sessions and queued messages; set maxmemory-policy noeviction',
    ]);
    expect(checkRedisSettings('r', { appendonly: 'yes', appendfsync: 'no', 'maxmemory-policy': 'noeviction' })[0]).toMatch(/appendfsync is no/);
  });
});
