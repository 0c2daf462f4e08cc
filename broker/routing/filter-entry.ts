// FilterEntry: one distinct filter string of a TopicTrie and its values. Nearly every filter
// has exactly one value (a route, a node), so that one is held inline: matching it costs no
// Set lookup and no iterator, which the micro-benchmark showed to be a tenth of a match.
import type { TrieChild, TrieNode } from './trie-node.js';

export class FilterEntry<V> {
  #count = 0;
  /** The value while `#count` is 1. */
  #one: V | undefined = undefined;
  /** All values while `#count` is above 1. */
  #many: Set<V> | undefined = undefined;

  /**
   * Where the filter sits in the trie; undefined for exact (map-only) filters. For a tail (below)
   * it is the node whose child slot holds this entry.
   */
  node: TrieNode<V> | undefined;
  /**
   * A tail: the filter's levels from index `tail` of `filter` on lead to nothing else, so they are
   * not made into trie nodes (one per level, ~90 B each); the entry itself sits in its parent's
   * child slot and is matched against the rest of the topic in place (trie-tail.ts). -1: not a tail.
   */
  tail = -1;
  /** The next child whose level key collides with this tail's, in its parent's children Map. */
  next: TrieChild<V> | undefined = undefined;

  constructor(readonly filter: string, node: TrieNode<V> | undefined) { this.node = node; }

  get size(): number {
    return this.#count;
  }

  has(value: V): boolean {
    return this.#count === 1 ? this.#one === value : (this.#many?.has(value) ?? false);
  }

  add(value: V): boolean {
    if (this.#count === 0) {
      this.#one = value;
    } else if (this.has(value)) {
      return false;
    } else if (this.#count === 1) {
      this.#many = new Set([this.#one as V, value]);
      this.#one = undefined;
    } else {
      this.#many!.add(value);
    }
    this.#count++;
    return true;
  }

  delete(value: V): boolean {
    if (this.#count === 1) {
      if (this.#one !== value) return false;
      this.#one = undefined;
    } else if (this.#many === undefined || !this.#many.delete(value)) {
      return false;
    } else if (this.#count === 2) {
      // Back to inline; a match iterating the old Set keeps its own reference and finishes.
      this.#one = this.#many.values().next().value;
      this.#many = undefined;
    }
    this.#count--;
    return true;
  }

  /** A snapshot when the values are inline, else the live set. */
  values(): ReadonlySet<V> {
    return this.#count === 1 ? new Set([this.#one as V]) : (this.#many ?? new Set());
  }

  /** The hot path: no allocation for one value. */
  visit(visit: (value: V, filter: string) => void): void {
    if (this.#count === 1) visit(this.#one as V, this.filter);
    else if (this.#many !== undefined) for (const value of this.#many) visit(value, this.filter);
  }
}
