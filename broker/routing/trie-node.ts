// A level of the TopicTrie. Literal children are keyed by a seeded hash of the level so that a
// match can look them up from the topic string in place (see levelKey), without cutting it; a
// single literal child is held directly (no Map: most levels of a large route table have one).
import type { FilterEntry } from './filter-entry.js';

/** What a child slot holds: a level node, or a filter entry standing for its whole unshared rest (a tail). */
export type TrieChild<V> = TrieNode<V> | FilterEntry<V>;

export class TrieNode<V> {
  /**
   * Literal children: the one child itself, or by levelKey(level) once there are several (nodes
   * whose keys collide are chained through `next`). A Map costs ~200 bytes: held by every route
   * with a unique level followed by more levels, it was a quarter of a route's memory.
   */
  children: TrieChild<V> | Map<number, TrieChild<V>> | undefined = undefined;
  next: TrieChild<V> | undefined = undefined;
  plus: TrieChild<V> | undefined = undefined;
  hash: TrieNode<V> | undefined = undefined;
  /** The plain filter ending at this level, and the `$share/g/` filters with the same inner filter. */
  entry: FilterEntry<V> | undefined = undefined;
  shared: FilterEntry<V>[] | undefined = undefined;

  constructor(readonly parent: TrieNode<V> | undefined, readonly level: string) {}

  get isEmpty(): boolean {
    return this.entry === undefined && this.shared === undefined && this.plus === undefined && this.hash === undefined && this.children === undefined;
  }

  /** Visits every value of every filter ending here. */
  emit(visit: (value: V, filter: string) => void): void {
    this.entry?.visit(visit);
    const shared = this.shared;
    if (shared !== undefined) for (let i = 0; i < shared.length; i++) shared[i]!.visit(visit);
  }
}

const FNV_PRIME = 0x01000193;
/** Keys stay small integers (V8 Smis): no heap numbers on the match path. */
export const KEY_MASK = 0x3fffffff;

/** FNV-1a over the UTF-16 code units of `s[start, end)`, seeded, folded to a Smi. */
export function levelKey(s: string, start: number, end: number, seed: number): number {
  let h = seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return (h ^ (h >>> 16)) & KEY_MASK;
}
