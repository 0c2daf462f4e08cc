// TopicTrie against the naive reference matcher: randomized (seeded) contract test plus the
// corner cases of MQTT 5.0 §4.7 spelled out.
import { describe, expect, it } from '@jest/globals';
import { TopicTrie } from './topic-trie.js';
import { matchesFilter } from './topic.js';
import { createPrng, randomFilter, randomTopic } from './random-topics.js';
import { levelKey } from './trie-node.js';

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

  it('matches the same while a level goes from one literal child to several and back', () => {
    const trie = new TopicTrie<number>();
    const steps: Array<[op: 'add' | 'remove', filter: string]> = [
      ['add', 'd/s1/+/state'], ['add', 'd/s2/+/state'], ['add', 'd/s1/+/other'], ['remove', 'd/s2/+/state'],
      ['remove', 'd/s1/+/state'], ['add', 'd/s3/x/state'], ['remove', 'd/s1/+/other'], ['add', 'd/s1/+/state'], ['remove', 'd/s3/x/state'],
    ];
    const live = new Map<string, [string, number]>();
    const topics = ['d/s1/a/state', 'd/s2/a/state', 'd/s1/a/other', 'd/s3/x/state', 'd/s3/y/state', 'd/s1', 'd/s1/a/stat'];
    for (const [op, filter] of steps) {
      if (op === 'add') { expect(trie.add(filter, 1)).toBe(true); live.set(filter, [filter, 1]); }
      else { expect(trie.remove(filter, 1)).toBe(true); live.delete(filter); }
      for (const topic of topics) expect(matched(trie, topic)).toEqual(expected([...live.values()], topic));
    }
  });

  it('matches the same at every step while unshared tails are split into levels and pruned again', () => {
    // A small alphabet of levels: filters share prefixes of every length, so a tail (the unshared
    // rest of a filter, held as its entry) is split when a second filter takes its first level,
    // and pruned when filters go. Checked after every single add and remove.
    const random = createPrng(99);
    const levels = ['a', 'b', '+', 'c'];
    const pick = (): string => levels[Math.floor(random() * levels.length)]!;
    const randomDeep = (): string => {
      const n = 1 + Math.floor(random() * 5);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(pick());
      if (random() < 0.3) parts.push('#');
      const filter = parts.join('/');
      return random() < 0.1 ? `$share/g/${filter}` : filter;
    };
    const topics: string[] = [];
    for (let n = 1; n <= 6; n++) for (let i = 0; i < 12; i++) topics.push(Array.from({ length: n }, () => ['a', 'b', 'c', 'd'][Math.floor(random() * 4)]).join('/'));
    const trie = new TopicTrie<number>();
    const live = new Map<string, [string, number]>();
    for (let step = 0; step < 1500; step++) {
      const known = [...live.keys()];
      if (known.length > 0 && random() < 0.45) {
        const key = known[Math.floor(random() * known.length)]!;
        const [filter, value] = live.get(key)!;
        expect(trie.remove(filter, value)).toBe(true);
        live.delete(key);
      } else {
        const filter = randomDeep();
        const value = Math.floor(random() * 2);
        expect(trie.add(filter, value)).toBe(!live.has(`${filter}=${value}`));
        live.set(`${filter}=${value}`, [filter, value]);
      }
      const list = [...live.values()];
      for (const topic of topics) expect(matched(trie, topic)).toEqual(expected(list, topic));
    }
    for (const [filter, value] of [...live.values()]) trie.remove(filter, value);
    expect(trie.filterCount).toBe(0);
    for (const topic of topics) expect(matched(trie, topic)).toEqual([]);
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

  it('tells apart levels whose hashed keys collide', () => {
    // Find real collisions of the 30-bit level key for a fixed seed (birthday bound: ~2^15 tries).
    const seed = 12345;
    const byKey = new Map<number, string>();
    const pairs: Array<[string, string]> = [];
    for (let i = 0; pairs.length < 3 && i < 2_000_000; i++) {
      const level = `L${i.toString(36)}`;
      const key = levelKey(level, 0, level.length, seed);
      const other = byKey.get(key);
      if (other === undefined) byKey.set(key, level);
      else pairs.push([other, level]);
    }
    expect(pairs.length).toBe(3);
    const trie = new TopicTrie<string>({ hashSeed: seed });
    for (const [a, b] of pairs) {
      trie.add(`x/${a}/+`, a);
      trie.add(`x/${b}/+`, b);
      trie.add(`${b}/#`, b);
      trie.add(`${a}/#`, a);
    }
    const seen = (topic: string): string[] => {
      const out: string[] = [];
      trie.match(topic, (v) => out.push(v));
      return out.sort();
    };
    for (const [a, b] of pairs) {
      expect(seen(`x/${a}/1`)).toEqual([a]);
      expect(seen(`x/${b}/1`)).toEqual([b]);
      expect(seen(`${a}/q`)).toEqual([a]);
      // Unlink the head of a chain and a non-head: the other stays reachable.
      expect(trie.remove(`x/${a}/+`, a)).toBe(true);
      expect(trie.remove(`${b}/#`, b)).toBe(true);
      expect(seen(`x/${a}/1`)).toEqual([]);
      expect(seen(`x/${b}/1`)).toEqual([b]);
      expect(seen(`${a}/q`)).toEqual([a]);
      expect(seen(`${b}/q`)).toEqual([]);
    }
  });

  it('moves between one inline value and a set of values', () => {
    const trie = new TopicTrie<string>();
    for (const f of ['a/b', 'a/+']) {
      trie.add(f, 'x');
      trie.add(f, 'y');
      trie.add(f, 'z');
      expect(trie.remove(f, 'y')).toBe(true);
      expect(trie.remove(f, 'x')).toBe(true);
      expect(trie.has(f, 'z')).toBe(true);
      expect(trie.has(f, 'x')).toBe(false);
      expect([...trie.valuesOf(f)!]).toEqual(['z']);
    }
    expect(matched(trie as unknown as TopicTrie<number>, 'a/b')).toEqual(['a/+=z', 'a/b=z']);
  });
});
