import { describe, expect, it } from '@jest/globals';
import { buildLeaseSpec, decideLease, microTime, observe } from './lease-decision.js';

const held = (holder: string, renewTime = 't1') => ({ holderIdentity: holder, leaseDurationSeconds: 15, renewTime });

describe('decideLease', () => {
  it.each([
    ['no lease', undefined, undefined, 0, 'create'],
    ['ours', held('me'), undefined, 0, 'renew'],
    ['released (no holder)', held(''), { record: 'x', at: 0 }, 0, 'acquire'],
    ['another holder, seen changing just now', held('other'), { record: 'x', at: 1000 }, 1000, 'wait'],
    ['another holder, unchanged for less than its duration', held('other'), { record: 'x', at: 0 }, 14_999, 'wait'],
    ['another holder, unchanged for its duration', held('other'), { record: 'x', at: 0 }, 15_000, 'acquire'],
    ['another holder, never observed before', held('other'), undefined, 1e12, 'wait'],
  ] as const)('%s → %s', (_name, spec, observed, now, action) => {
    expect(decideLease(spec, 'me', observed, now, 15_000)).toBe(action);
  });

  it('uses the lease\'s own duration, or ours when it has none', () => {
    expect(decideLease({ holderIdentity: 'o', leaseDurationSeconds: 2 }, 'me', { record: 'x', at: 0 }, 2000, 15_000)).toBe('acquire');
    expect(decideLease({ holderIdentity: 'o' }, 'me', { record: 'x', at: 0 }, 2000, 15_000)).toBe('wait');
  });
});

describe('observe', () => {
  it('keeps the first time a record was seen, and restarts it when the holder renews', () => {
    const a = observe(undefined, held('o', 't1'), 100);
    expect(observe(a, held('o', 't1'), 900)).toBe(a);
    expect(observe(a, held('o', 't2'), 900)).toEqual({ record: expect.any(String), at: 900 });
  });
});

describe('buildLeaseSpec', () => {
  const now = Date.parse('2025-01-02T03:04:05.678Z');
  it('creates, renews, acquires and releases as client-go does', () => {
    expect(buildLeaseSpec('create', undefined, 'me', now, 15)).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2025-01-02T03:04:05.678000Z', renewTime: '2025-01-02T03:04:05.678000Z', leaseTransitions: 0 });
    const mine = { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: 'a', renewTime: 'r', leaseTransitions: 2 };
    expect(buildLeaseSpec('renew', mine, 'me', now, 15)).toEqual({ ...mine, renewTime: microTime(now) });
    expect(buildLeaseSpec('acquire', { ...mine, holderIdentity: 'other' }, 'me', now, 15)).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 3 });
    expect(buildLeaseSpec('release', mine, 'me', now, 15)).toEqual({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 2 });
  });
});
