import { describe, expect, it } from '@jest/globals';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('lets one line per interval through and counts the others', () => {
    const t = new LogThrottle(1000);
    expect(t.take(0)).toBe(0);
    expect(t.take(10)).toBeUndefined();
    expect(t.take(999)).toBeUndefined();
    expect(t.take(1000)).toBe(2);
    expect(t.take(1500)).toBeUndefined();
    expect(t.take(5000)).toBe(1);
  });
});
