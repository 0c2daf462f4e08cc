// TopicTrie against the naive reference matcher: randomized (seeded) contract test plus the
// corner cases of MQTT 5.0 §4.7 spelled out.
import { describe, expect, it } from '@jest/globals';
import { TopicTrie } from './topic-trie.js';
import { matchesFilter } from './topic.js';
import { createPrng, randomFilter, randomTopic } from './random-topics.js';

function matched(trie: TopicTrie<number>, topic: string): string[] {
  const out: string[] = [];
  trie.match(topic, (value, filter) => out.push(`${filter}=${value}`));
  return out.sort();
}

function expected(pairs: ReadonlyArray<readonly [string, number]>, topic: string): string[] {
  return pairs.filter(([f]) => matchesFilter(f, topic)).map(([f, v]) => `${f}=${v}`).sort();
}

describe('TopicTrie', () => {
  it.each([
    ['#', 'a/b', true], ['#', '$SYS/a', false], ['+/#', '$SYS/a', false], ['$SYS/#', '$SYS/a', true],
    ['$SYS/#', '$SYS', true], ['a/#', 'a', true], ['a/#', 'a/', true], ['a/+', 'a/', true], ['a/+', 'a', false],
    ['+', '/x', false], ['+/+', '/x', true], ['/+', '/x', true], ['+', '', true], ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true], ['trailing/', 'trailing/', true], ['trailing/', 'trailing', false], ['+/+', 'a', false],
    ['$share/g/a/+', 'a/b', true], ['$share/g/#', '$SYS/x', false], ['$share/g/a/b', 'a/b', true], ['$share/g/a/b', '$share/g/a/b', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false], ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ])('filter %j against topic %j: %s', (filter, topic, match) => {
    const trie = new TopicTrie<number>();
    trie.add(filter, 1);
    expect(matched(trie, topic)).toEqual(match ? [`${filter}=1`] : []);
    expect(matchesFilter(filter, topic)).toBe(match);
  });

  it('agrees with the reference matcher on thousands of random filters and topics', () => {
    const random = createPrng(20240611);
    const trie = new TopicTrie<number>();
    const pairs = new Map<string, [string, number]>();
    for (let i = 0; i < 3000; i++) {
      const filter = randomFilter(random, ['g1', 'g2']);
      const value = Math.floor(random() * 5);
      const added = trie.add(filter, value);
      expect(added).toBe(!pairs.has(`${filter}=${value}`));
      pairs.set(`${filter}=${value}`, [filter, value]);
    }
    // Remove a third so that pruning runs, then check again.
    for (const [key, [filter, value]] of [...pairs].filter((_, i) => i % 3 === 0)) {
      expect(trie.remove(filter, value)).toBe(true);
      expect(trie.remove(filter, value)).toBe(false);
      pairs.delete(key);
    }
    const list = [...pairs.values()];
    expect(trie.filterCount).toBe(new Set(list.map(([f]) => f)).size);
    for (let i = 0; i < 3000; i++) {
      const topic = randomTopic(random);
      expect(matched(trie, topic)).toEqual(expected(list, topic));
    }
  });

  it('is empty again after removing everything, and matches nothing', () => {
    const random = createPrng(7);
    const trie = new TopicTrie<string>();
    const filters = Array.from({ length: 500 }, () => randomFilter(random, ['g']));
    for (const f of filters) trie.add(f, 'v');
    for (const f of filters) trie.remove(f, 'v');
    expect(trie.filterCount).toBe(0);
    expect([...trie.filters()]).toEqual([]);
    let calls = 0;
    for (let i = 0; i < 200; i++) trie.match(randomTopic(random), () => calls++);
    expect(calls).toBe(0);
  });

  it('keeps values per filter: has, valuesOf, filters, clear', () => {
    const trie = new TopicTrie<string>();
    expect(trie.add('a/+', 'x')).toBe(true);
    expect(trie.add('a/+', 'x')).toBe(false);
    expect(trie.add('a/+', 'y')).toBe(true);
    expect(trie.add('a/b', 'x')).toBe(true);
    expect(trie.has('a/+', 'y')).toBe(true);
    expect(trie.has('a/#', 'y')).toBe(false);
    expect([...(trie.valuesOf('a/+') ?? [])].sort()).toEqual(['x', 'y']);
    expect(trie.valuesOf('nope')).toBeUndefined();
    expect([...trie.filters()].sort()).toEqual(['a/+', 'a/b']);
    expect(trie.remove('a/+', 'x')).toBe(true);
    expect(trie.filterCount).toBe(2);
    trie.clear();
    expect(trie.filterCount).toBe(0);
    expect(matched(trie as unknown as TopicTrie<number>, 'a/b')).toEqual([]);
  });

  it('refuses a malformed shared filter rather than matching it literally', () => {
    const trie = new TopicTrie<number>();
    expect(() => trie.add('$share/g', 1)).toThrow(RangeError);
    expect(trie.filterCount).toBe(0);
  });

  it('survives a visitor that changes the trie while matching', () => {
    const trie = new TopicTrie<number>();
    trie.add('a/+', 1);
    trie.add('a/#', 2);
    trie.add('a/b', 3);
    const seen: number[] = [];
    trie.match('a/b', (v, f) => {
      seen.push(v);
      trie.remove(f, v);
    });
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(trie.filterCount).toBe(0);
  });
});
