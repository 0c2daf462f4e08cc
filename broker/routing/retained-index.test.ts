// RetainedIndex against the naive reference matcher (seeded random topics and filters), plus
// the bookkeeping: replace, delete with pruning, entries, size.
import { describe, expect, it } from '@jest/globals';
import { RetainedIndex } from './retained-index.js';
import { matchesFilter } from './topic.js';
import { createPrng, randomFilter, randomTopic } from './random-topics.js';

function matched(index: RetainedIndex<number>, filter: string): string[] {
  const out: string[] = [];
  index.match(filter, (topic, value) => out.push(`${topic}=${value}`));
  return out.sort();
}

describe('RetainedIndex', () => {
  it.each([
    ['#', ['a', 'a/b', '/x', 'x/'], ['$SYS/a', '$SYS']],
    ['+/#', ['a', 'a/b', '/x'], ['$SYS/a']],
    ['$SYS/#', ['$SYS', '$SYS/a', '$SYS/a/b'], ['a', '$other']],
    ['a/#', ['a', 'a/', 'a/b/c'], ['b', 'ab']],
    ['+', ['a', ''], ['a/b', '/x', '$SYS']],
    ['+/+', ['/x', 'a/b', 'x/'], ['a', 'a/b/c', '$SYS/x']],
    ['a//b', ['a//b'], ['a/b', 'a/x/b']],
    ['a/+/b', ['a//b', 'a/x/b'], ['a/b']],
    ['$SYS/x', ['$SYS/x'], ['$SYS/y']],
  ])('filter %j matches %j and not %j', (filter, yes, no) => {
    const index = new RetainedIndex<number>();
    for (const t of [...yes, ...no]) index.set(t, 1);
    expect(matched(index, filter)).toEqual(yes.map((t) => `${t}=1`).sort());
  });

  it('agrees with the reference matcher on thousands of random topics and filters', () => {
    const random = createPrng(1234);
    const index = new RetainedIndex<number>();
    const truth = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const topic = randomTopic(random);
      const value = i;
      if (random() < 0.2) {
        expect(index.delete(topic)).toBe(truth.delete(topic));
      } else {
        index.set(topic, value);
        truth.set(topic, value);
      }
    }
    expect(index.size).toBe(truth.size);
    for (let i = 0; i < 3000; i++) {
      const filter = randomFilter(random);
      const want = [...truth].filter(([t]) => matchesFilter(filter, t)).map(([t, v]) => `${t}=${v}`).sort();
      expect(matched(index, filter)).toEqual(want);
    }
  });

  it('replaces, deletes and prunes, and lists its entries', () => {
    const index = new RetainedIndex<string>();
    index.set('a/b/c', 'v1');
    index.set('a/b/c', 'v2');
    index.set('a', 'top');
    expect(index.size).toBe(2);
    expect(index.get('a/b/c')).toBe('v2');
    expect(index.get('a/b')).toBeUndefined();
    expect(index.delete('a/b')).toBe(false);
    expect(index.delete('a/b/c')).toBe(true);
    expect(index.delete('a/b/c')).toBe(false);
    expect([...index.entries()]).toEqual([['a', 'top']]);
    const seen: string[] = [];
    index.match('a/#', (t) => seen.push(t));
    expect(seen).toEqual(['a']);
    index.clear();
    expect(index.size).toBe(0);
    index.match('#', () => seen.push('x'));
    expect(seen).toEqual(['a']);
  });

  it('walks very deep topics without recursion limits under #', () => {
    const index = new RetainedIndex<number>();
    const deep = Array.from({ length: 20000 }, (_, i) => `l${i}`).join('/');
    index.set(deep, 1);
    let n = 0;
    index.match('l0/#', () => n++);
    expect(n).toBe(1);
  });
});
