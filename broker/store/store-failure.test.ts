// How store errors are told apart: what a publisher is told (0x97 or 0x80) and /readyz says depends on it.
import { describe, expect, it } from '@jest/globals';
import { parseMemoryInfo } from './redis/redis-store.js';
import { classifyStoreFailure, isQuotaFailure } from './store-failure.js';
import { StoreError } from './store.js';

describe('classifyStoreFailure', () => {
  it.each([
    ["OOM command not allowed when used memory > 'maxmemory'.", 'oom'],
    ["READONLY You can't write against a read only replica.", 'readonly'],
    ['Command timed out', 'timeout'],
    ['Connection is closed.', 'connection'],
    ["Stream isn't writeable and enableOfflineQueue options is false", 'connection'],
    ['connect ECONNREFUSED 127.0.0.1:6379', 'connection'],
    ['write reached 0 of the 1 replicas required (store.minReplicas)', 'replicas'],
    ['ERR something else', 'other'],
  ])('%s -> %s', (message, cause) => {
    expect(classifyStoreFailure(new Error(message))).toBe(cause);
  });

  it('keeps the cause a StoreError carries', () => {
    expect(classifyStoreFailure(new StoreError('the store is unavailable', { failureCause: 'oom' }))).toBe('oom');
    expect(classifyStoreFailure(new StoreError('the store is unavailable'))).toBe('other');
  });

  it('counts a full store and a backlog as quotas, an outage not', () => {
    expect([isQuotaFailure('oom'), isQuotaFailure('backlog'), isQuotaFailure('timeout'), isQuotaFailure('connection')]).toEqual([true, true, false, false]);
  });
});

describe('parseMemoryInfo', () => {
  it('reads what Redis counts against maxmemory', () => {
    const info = '# Memory\r\nused_memory:3000000\r\nused_memory_human:2.86M\r\nmaxmemory:4000000\r\nmem_not_counted_for_evict:1000\r\n';
    expect(parseMemoryInfo(info)).toEqual({ used: 2_999_000, max: 4_000_000 });
    expect(parseMemoryInfo('used_memory:10\r\n')).toEqual({ used: 10, max: 0 });
  });
});
