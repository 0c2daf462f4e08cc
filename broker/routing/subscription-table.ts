// The local node's subscriptions: by client and by filter, matched against a publish topic to
// yield one Delivery per receiving client (non-shared subscriptions merged per client) plus one
// per shared group. Routes (distinct filters) are reported as they appear and disappear.
import type { QoS } from './message.js';
import { ClientRecord, LocalRoute, type RouteSlot, type SharedStrategy } from './local-route.js';
import { TopicTrie } from './topic-trie.js';
import { hasWildcard } from './topic.js';

export interface Subscription {
  readonly clientId: string;
  /** As subscribed, including a `$share/group/` prefix. */
  readonly filter: string;
  /** Without the share prefix. */
  readonly topicFilter: string;
  readonly shareGroup: string | undefined;
  /** Granted QoS. */
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly subscriptionId: number | undefined;
}

/**
 * One per receiving client per publish. The visitor must not keep the object (it is reused);
 * the `subscriptionIds` array is never mutated afterwards and may be kept.
 */
export interface Delivery {
  clientId: string;
  /** Max granted QoS over this client's matching non-shared subscriptions [MQTT-3.3.4-2]. */
  qos: QoS;
  /** True when any of the merged subscriptions asked for it. */
  retainAsPublished: boolean;
  /** Every matching subscription's identifier [MQTT-3.3.4-3]. */
  subscriptionIds: readonly number[] | undefined;
  /** Set when the delivery comes from a shared group. */
  shareGroup: string | undefined;
  /** True when any matching filter had a wildcard (the caller then asks the ACL canReceive). */
  wildcard: boolean;
}

export interface SubscriptionTableOptions {
  /** First local subscriber to this exact filter (incl. `$share/g/` prefix): route add. */
  onFilterAdded?(filter: string): void;
  /** Last one gone: route remove. */
  onFilterRemoved?(filter: string): void;
  /** A shared group matched a publish but none of its members was available. */
  onUndeliverableGroup?(group: string, topicFilter: string): void;
  sharedStrategy?: SharedStrategy;
  /** For the 'random' strategy; Math.random by default. */
  random?: () => number;
}

/** Scratch state of one match call; one per nesting depth so that a visitor may publish. */
class MatchScratch {
  readonly plain: LocalRoute[] = [];
  plainCount = 0;
  readonly shared: LocalRoute[] = [];
  sharedCount = 0;
  /** Merged deliveries of this match, reused across matches. */
  readonly pool: Delivery[] = [];
  readonly single: Delivery = newDelivery();
}

function newDelivery(): Delivery {
  return { clientId: '', qos: 0, retainAsPublished: false, subscriptionIds: undefined, shareGroup: undefined, wildcard: false };
}

function fill(d: Delivery, slot: RouteSlot, route: LocalRoute): Delivery {
  d.clientId = slot.sub.clientId;
  d.qos = slot.sub.qos;
  d.retainAsPublished = slot.sub.retainAsPublished;
  d.subscriptionIds = slot.ids;
  d.shareGroup = route.group;
  d.wildcard = route.wildcard;
  return d;
}

export class SubscriptionTable {
  readonly #trie = new TopicTrie<LocalRoute>();
  readonly #routes = new Map<string, LocalRoute>();
  readonly #byClient = new Map<string, ClientRecord>();
  readonly #options: SubscriptionTableOptions;
  readonly #strategy: SharedStrategy;
  readonly #random: () => number;
  readonly #scratch: MatchScratch[] = [];
  #depth = 0;
  #size = 0;
  /** Numbers each merging match, to mark the clients it has seen. */
  #stamp = 0;
  /** Created once: the trie visitor sorts matched routes into the current scratch. */
  readonly #collect = (route: LocalRoute): void => {
    const s = this.#scratch[this.#depth - 1]!;
    if (route.group === undefined) s.plain[s.plainCount++] = route;
    else s.shared[s.sharedCount++] = route;
  };

  constructor(options: SubscriptionTableOptions = {}) {
    this.#options = options;
    this.#strategy = options.sharedStrategy ?? 'round-robin';
    this.#random = options.random ?? Math.random;
  }

  /** Adds a subscription; the same client and filter replaces the old one [MQTT-3.8.4-3]. */
  add(sub: Subscription): { replaced: Subscription | undefined } {
    let route = this.#routes.get(sub.filter);
    const isNew = route === undefined;
    if (route === undefined) {
      route = new LocalRoute(sub.filter, sub.topicFilter, sub.shareGroup, hasWildcard(sub.topicFilter));
      this.#trie.add(sub.filter, route);
      this.#routes.set(sub.filter, route);
    }
    let client = this.#byClient.get(sub.clientId);
    if (client === undefined) this.#byClient.set(sub.clientId, (client = new ClientRecord()));
    const old = client.slots.get(sub.filter);
    const ids = sub.subscriptionId === undefined ? undefined : Object.freeze([sub.subscriptionId]);
    const slot: RouteSlot = { sub, ids, client, index: -1 };
    route.put(slot, old);
    client.slots.set(sub.filter, slot);
    const replaced = old?.sub;
    if (replaced === undefined) this.#size++;
    if (isNew) this.#options.onFilterAdded?.(sub.filter);
    return { replaced };
  }

  remove(clientId: string, filter: string): Subscription | undefined {
    const client = this.#byClient.get(clientId);
    const slot = client?.slots.get(filter);
    if (client === undefined || slot === undefined) return undefined;
    client.slots.delete(filter);
    if (client.slots.size === 0) this.#byClient.delete(clientId);
    this.#size--;
    const route = this.#routes.get(filter);
    if (route !== undefined) {
      route.delete(slot);
      if (route.isEmpty) {
        this.#routes.delete(filter);
        this.#trie.remove(filter, route);
        this.#options.onFilterRemoved?.(filter);
      }
    }
    return slot.sub;
  }

  removeClient(clientId: string): Subscription[] {
    const client = this.#byClient.get(clientId);
    if (client === undefined) return [];
    const removed: Subscription[] = [];
    for (const filter of [...client.slots.keys()]) {
      const sub = this.remove(clientId, filter);
      if (sub !== undefined) removed.push(sub);
    }
    return removed;
  }

  *subscriptionsOf(clientId: string): IterableIterator<Subscription> {
    const client = this.#byClient.get(clientId);
    if (client !== undefined) for (const slot of client.slots.values()) yield slot.sub;
  }

  get(clientId: string, filter: string): Subscription | undefined {
    return this.#byClient.get(clientId)?.slots.get(filter)?.sub;
  }

  /**
   * Calls `visit` once per receiving client and returns how many times it did. Non-shared
   * subscriptions of one client are merged into one delivery; no-local ones skip the publisher
   * [MQTT-3.8.3-3]. Each matching shared group delivers to one member chosen among those for
   * which `isAvailable` is true; a client with both kinds gets one copy of each [MQTT-4.8.2].
   * `sharedGroups`, when given, limits shared delivery to those `$share/group/filter` routes (in a
   * cluster the publishing node assigns each group to one node).
   */
  match(topic: string, publisherClientId: string, visit: (d: Delivery) => void, isAvailable?: (clientId: string) => boolean, sharedGroups?: ReadonlySet<string>): number {
    const depth = this.#depth++;
    const s = (this.#scratch[depth] ??= new MatchScratch());
    s.plainCount = 0;
    s.sharedCount = 0;
    try {
      this.#trie.match(topic, this.#collect);
      let count = 0;
      if (s.plainCount === 1) count = visitRoute(s.plain[0]!, publisherClientId, s.single, visit);
      else if (s.plainCount > 1) count = visitMerged(s, ++this.#stamp, publisherClientId, visit);
      for (let i = 0; i < s.sharedCount; i++) {
        const route = s.shared[i]!;
        if (sharedGroups !== undefined && !sharedGroups.has(route.filter)) continue;
        // no-local is a protocol error on a shared subscription [MQTT-3.8.3-4]: not consulted here.
        const slot = route.pick(this.#strategy, this.#random, undefined, isAvailable);
        if (slot === undefined) this.#options.onUndeliverableGroup?.(route.group!, route.topicFilter);
        else {
          visit(fill(s.single, slot, route));
          count++;
        }
      }
      return count;
    } finally {
      s.plain.fill(undefined as never, 0, s.plainCount);
      s.shared.fill(undefined as never, 0, s.sharedCount);
      this.#depth--;
    }
  }

  /** The next member of a shared group other than `exclude`, for re-dispatch when a member leaves. */
  pickSharedMember(group: string, topicFilter: string, exclude: string, isAvailable?: (clientId: string) => boolean): string | undefined {
    const route = this.#routes.get(`$share/${group}/${topicFilter}`);
    return route?.pick(this.#strategy, this.#random, exclude, isAvailable)?.sub.clientId;
  }

  *all(): IterableIterator<Subscription> {
    for (const client of this.#byClient.values()) for (const slot of client.slots.values()) yield slot.sub;
  }

  /** Subscriptions. */
  get size(): number {
    return this.#size;
  }

  /** Distinct filters (routes). */
  get filterCount(): number {
    return this.#routes.size;
  }
}

/** The common case: one non-shared route matched, so no merging is needed. */
function visitRoute(route: LocalRoute, publisher: string, d: Delivery, visit: (d: Delivery) => void): number {
  const list = route.list;
  let count = 0;
  for (let i = 0; i < list.length; i++) {
    const slot = list[i]!;
    if (slot.sub.noLocal && slot.sub.clientId === publisher) continue; // [MQTT-3.8.3-3]
    visit(fill(d, slot, route));
    count++;
  }
  return count;
}

/**
 * Several non-shared routes matched: one delivery per client, QoS maxed, identifiers joined.
 * Clients are marked with `stamp` instead of being looked up in a per-publish Map.
 */
function visitMerged(s: MatchScratch, stamp: number, publisher: string, visit: (d: Delivery) => void): number {
  let used = 0;
  for (let r = 0; r < s.plainCount; r++) {
    const route = s.plain[r]!;
    const list = route.list;
    for (let i = 0; i < list.length; i++) {
      const slot = list[i]!;
      const sub = slot.sub;
      if (sub.noLocal && sub.clientId === publisher) continue; // [MQTT-3.8.3-3]
      const client = slot.client;
      if (client.stamp !== stamp) {
        client.stamp = stamp;
        client.delivery = fill((s.pool[used++] ??= newDelivery()), slot, route);
        continue;
      }
      const d = client.delivery!;
      if (sub.qos > d.qos) d.qos = sub.qos; // [MQTT-3.3.4-2]
      if (sub.retainAsPublished) d.retainAsPublished = true;
      if (route.wildcard) d.wildcard = true;
      // [MQTT-3.3.4-3] every matching subscription's identifier; a fresh array, never mutated later.
      if (slot.ids !== undefined) d.subscriptionIds = d.subscriptionIds === undefined ? slot.ids : [...d.subscriptionIds, ...slot.ids];
    }
  }
  // Visits come after the marking, so a visitor that publishes (a nested match) cannot disturb it.
  for (let i = 0; i < used; i++) visit(s.pool[i]!);
  return used;
}
