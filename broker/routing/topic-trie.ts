// TopicTrie: topic filters -> sets of values, matched by a topic name. The broker's hot path.
// Filters without wildcards sit in a hash map only (one lookup per publish); wildcard and
// shared filters also sit in a trie of levels walked without splitting the topic.
import { parseSharedFilter } from './topic.js';

/** One distinct filter string and its values. `node` is set when the filter lives in the trie. */
interface FilterEntry<V> {
  readonly filter: string;
  readonly values: Set<V>;
  readonly node: TrieNode<V> | undefined;
}

/** A trie level. `entries` are the filters that end here: a plain one and any `$share/g/` ones. */
class TrieNode<V> {
  children: Map<string, TrieNode<V>> | undefined = undefined;
  plus: TrieNode<V> | undefined = undefined;
  hash: TrieNode<V> | undefined = undefined;
  entries: FilterEntry<V>[] | undefined = undefined;
  constructor(readonly parent: TrieNode<V> | undefined, readonly level: string) {}

  isEmpty(): boolean {
    return this.entries === undefined && this.plus === undefined && this.hash === undefined && this.children === undefined;
  }
}

const DOLLAR = 0x24;

export class TopicTrie<V> {
  /** Every filter (exact, wildcard and shared) by its full string. */
  readonly #entries = new Map<string, FilterEntry<V>>();
  #root = new TrieNode<V>(undefined, '');

  /** Adds `value` under `filter`; true when it was not there yet. A `$share/g/f` filter matches as `f`. */
  add(filter: string, value: V): boolean {
    let entry = this.#entries.get(filter);
    if (entry === undefined) {
      const path = triepath(filter);
      const node = path === undefined ? undefined : this.#insertPath(path);
      entry = { filter, values: new Set<V>(), node };
      if (node !== undefined) node.entries = node.entries === undefined ? [entry] : [...node.entries, entry];
      this.#entries.set(filter, entry);
    } else if (entry.values.has(value)) {
      return false;
    }
    entry.values.add(value);
    return true;
  }

  remove(filter: string, value: V): boolean {
    const entry = this.#entries.get(filter);
    if (entry === undefined || !entry.values.delete(value)) return false;
    if (entry.values.size === 0) {
      this.#entries.delete(filter);
      if (entry.node !== undefined) this.#detach(entry.node, entry);
    }
    return true;
  }

  has(filter: string, value: V): boolean {
    return this.#entries.get(filter)?.values.has(value) ?? false;
  }

  valuesOf(filter: string): ReadonlySet<V> | undefined {
    return this.#entries.get(filter)?.values;
  }

  /**
   * Calls `visit(value, filter)` for every value of every filter matching `topic` (each pair once).
   * Allocates only the level strings it must look up in the trie, and none for exact filters.
   */
  match(topic: string, visit: (value: V, filter: string) => void): void {
    const exact = this.#entries.get(topic);
    // A topic can equal a filter string only when the filter has no wildcard; a `$share/...`
    // topic that equals a shared filter must not match it, hence the node check.
    if (exact !== undefined && exact.node === undefined) {
      for (const value of exact.values) visit(value, exact.filter);
    }
    const root = this.#root;
    if (root.children === undefined && root.plus === undefined && root.hash === undefined) return;
    // [MQTT-4.7.2-1] topics starting with '$' are not matched by a leading '+' or '#'
    const dollar = topic.charCodeAt(0) === DOLLAR;
    if (!dollar && root.hash !== undefined) emit(root.hash, visit);
    let end = topic.indexOf('/');
    let next = end + 1;
    if (end < 0) {
      end = topic.length;
      next = -1;
    }
    if (!dollar && root.plus !== undefined) walk(root.plus, topic, next, visit);
    if (root.children !== undefined) {
      const child = root.children.get(topic.substring(0, end));
      if (child !== undefined) walk(child, topic, next, visit);
    }
  }

  filters(): IterableIterator<string> {
    return this.#entries.keys();
  }

  get filterCount(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#root = new TrieNode<V>(undefined, '');
  }

  #insertPath(levels: readonly string[]): TrieNode<V> {
    let node = this.#root;
    for (const level of levels) {
      if (level === '+') node = node.plus ??= new TrieNode(node, level);
      else if (level === '#') node = node.hash ??= new TrieNode(node, level);
      else {
        const children = (node.children ??= new Map());
        let child = children.get(level);
        if (child === undefined) children.set(level, (child = new TrieNode(node, level)));
        node = child;
      }
    }
    return node;
  }

  /** Removes `entry` from `node` and prunes the branch back to the first node still in use. */
  #detach(node: TrieNode<V>, entry: FilterEntry<V>): void {
    // Copy on write: a match in progress may be iterating the old array (a visitor that unsubscribes).
    const remaining = node.entries?.filter((e) => e !== entry);
    node.entries = remaining === undefined || remaining.length === 0 ? undefined : remaining;
    let current: TrieNode<V> | undefined = node;
    while (current !== undefined && current.parent !== undefined && current.isEmpty()) {
      const parent: TrieNode<V> = current.parent;
      if (parent.plus === current) parent.plus = undefined;
      else if (parent.hash === current) parent.hash = undefined;
      else if (parent.children !== undefined) {
        parent.children.delete(current.level);
        if (parent.children.size === 0) parent.children = undefined;
      }
      current = parent;
    }
  }
}

/**
 * Trie levels for a filter that needs the trie (a wildcard or a share prefix), else undefined.
 * Shared filters are placed at their inner filter: they match like it [MQTT-4.8.2].
 */
function triepath(filter: string): string[] | undefined {
  const shared = parseSharedFilter(filter);
  if (shared !== undefined) {
    if ('error' in shared) throw new RangeError(`not a valid shared subscription filter: ${JSON.stringify(filter)}: ${shared.error}`);
    return shared.topicFilter.split('/');
  }
  if (!filter.includes('+') && !filter.includes('#')) return undefined;
  return filter.split('/');
}

/** `start` is the index of the next level of `topic`, or -1 once every level is consumed. */
function walk<V>(node: TrieNode<V>, topic: string, start: number, visit: (value: V, filter: string) => void): void {
  // '#' matches the remaining levels, and the parent level itself [MQTT-4.7.1-2]
  if (node.hash !== undefined) emit(node.hash, visit);
  if (start < 0) {
    if (node.entries !== undefined) emit(node, visit);
    return;
  }
  if (node.plus === undefined && node.children === undefined) return;
  let end = topic.indexOf('/', start);
  let next = end + 1;
  if (end < 0) {
    end = topic.length;
    next = -1;
  }
  if (node.plus !== undefined) walk(node.plus, topic, next, visit);
  if (node.children !== undefined) {
    const child = node.children.get(topic.substring(start, end));
    if (child !== undefined) walk(child, topic, next, visit);
  }
}

function emit<V>(node: TrieNode<V>, visit: (value: V, filter: string) => void): void {
  const entries = node.entries;
  if (entries === undefined) return;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    for (const value of entry.values) visit(value, entry.filter);
  }
}
