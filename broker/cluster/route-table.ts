// The replicated route table: filter -> set of nodes with a local subscriber to it, kept in a
// TopicTrie (so matching a topic is one trie walk), plus each owner's own entries (so a node's
// routes can be dropped or replaced at once). Pure data: replication is route-sync.ts.
import { TopicTrie } from '../routing/topic-trie.js';

export const SHARE_PREFIX = '$share/';

export class RouteTable {
  readonly #trie = new TopicTrie<string>();
  readonly #byOwner = new Map<string, Set<string>>();
  #routes = 0;

  /** Adds owner's route to filter; true when new. */
  add(owner: string, filter: string): boolean {
    let own = this.#byOwner.get(owner);
    if (own === undefined) this.#byOwner.set(owner, (own = new Set()));
    // The trie answers whether the pair is new: one lookup less than asking the owner's set first.
    if (!this.#trie.add(filter, owner)) return false;
    own.add(filter);
    this.#routes++;
    return true;
  }

  remove(owner: string, filter: string): boolean {
    const own = this.#byOwner.get(owner);
    if (own === undefined || !own.delete(filter)) return false;
    this.#trie.remove(filter, owner);
    this.#routes--;
    return true;
  }

  has(owner: string, filter: string): boolean { return this.#byOwner.get(owner)?.has(filter) ?? false; }

  /** Drops every route of `owner`; returns how many. */
  dropOwner(owner: string): number {
    const own = this.#byOwner.get(owner);
    if (own === undefined) return 0;
    for (const filter of own) this.#trie.remove(filter, owner);
    this.#byOwner.delete(owner);
    this.#routes -= own.size;
    return own.size;
  }

  ownerFilters(owner: string): ReadonlySet<string> { return this.#byOwner.get(owner) ?? EMPTY; }
  owners(): IterableIterator<string> { return this.#byOwner.keys(); }
  nodesFor(filter: string): ReadonlySet<string> | undefined { return this.#trie.valuesOf(filter); }

  /** Visits every (node, filter) whose filter matches `topic`; shared filters keep their `$share/g/` key. */
  match(topic: string, visit: (node: string, filter: string) => void): void { this.#trie.match(topic, visit); }

  /** Distinct filters in the cluster. */
  get filterCount(): number { return this.#trie.filterCount; }
  /** (filter, node) pairs. */
  get routeCount(): number { return this.#routes; }
  routeCountOf(owner: string): number { return this.#byOwner.get(owner)?.size ?? 0; }
}

const EMPTY: ReadonlySet<string> = new Set();
