// The bounded identity set: membership, the snapshot form and back, oldest first out.
import { describe, expect, it } from '@jest/globals';
import { SeenMessages } from './seen-messages.js';

describe('SeenMessages', () => {
  it('adds each identity once, per origin node', () => {
    const seen = new SeenMessages();
    expect(seen.add('a', 1)).toBe(true);
    expect(seen.add('a', 1)).toBe(false);
    expect(seen.add('b', 1)).toBe(true);
    expect(seen.has('a', 1) && seen.has('b', 1) && !seen.has('a', 2)).toBe(true);
    expect(seen.size).toBe(2);
  });

  it('round-trips through the snapshot record', () => {
    const seen = new SeenMessages();
    for (const [n, s] of [['a', 1], ['b', 7], ['a', 2]] as const) seen.add(n, s);
    const copy = SeenMessages.fromRecord(JSON.parse(JSON.stringify(seen.toRecord())) as Record<string, number[]>);
    expect(copy.toRecord()).toEqual({ a: [1, 2], b: [7] });
    expect(copy.has('b', 7)).toBe(true);
  });

  it('forgets the oldest past its bound, and keeps working past many evictions', () => {
    const seen = new SeenMessages(3);
    for (let i = 1; i <= 5000; i++) seen.add('a', i);
    expect(seen.size).toBe(3);
    expect(seen.toRecord()).toEqual({ a: [4998, 4999, 5000] });
    expect(seen.has('a', 4997)).toBe(false);
    expect(seen.add('a', 4997)).toBe(true);
  });
});
