import { describe, expect, it } from '@jest/globals';
import { EventSpamFilter } from './event-spam-filter.js';

describe('EventSpamFilter', () => {
  it('lets a burst through, then one event per refill period, per object', () => {
    const filter = new EventSpamFilter({ burst: 3, refillEveryMs: 1000 });
    expect([0, 1, 2, 3].map(() => filter.allow('a', 0))).toEqual([true, true, true, false]);
    expect(filter.allow('b', 0)).toBe(true);
    expect(filter.allow('a', 999)).toBe(false);
    expect(filter.allow('a', 1000)).toBe(true);
    expect(filter.allow('a', 1500)).toBe(false);
    expect([0, 1, 2, 3].map(() => filter.allow('a', 10_000))).toEqual([true, true, true, false]);
  });

  it('forgets the least recently seen objects beyond its bound', () => {
    const filter = new EventSpamFilter({ burst: 1, refillEveryMs: 1e9, maxObjects: 2 });
    expect(filter.allow('a', 0)).toBe(true);
    expect(filter.allow('b', 0)).toBe(true);
    expect(filter.allow('c', 0)).toBe(true);
    // 'a' was evicted: a fresh bucket.
    expect(filter.allow('a', 0)).toBe(true);
    expect(filter.allow('c', 0)).toBe(false);
  });
});
