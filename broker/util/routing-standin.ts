// TEMPORARY stand-in for broker/routing/{subscription-table,retained-index,remote-router}.ts
// (being written by the routing engineer); deleted as soon as those land. Naive and linear.
import type { Message, QoS } from '../routing/message.js';
import { matchesFilter } from '../routing/topic.js';

export interface Subscription { readonly clientId: string; readonly filter: string; readonly topicFilter: string; readonly shareGroup: string | undefined; readonly qos: QoS; readonly noLocal: boolean; readonly retainAsPublished: boolean; readonly retainHandling: 0 | 1 | 2; readonly subscriptionId: number | undefined }
export interface Delivery { clientId: string; qos: QoS; retainAsPublished: boolean; subscriptionIds: readonly number[] | undefined; shareGroup: string | undefined; wildcard: boolean }

export class SubscriptionTable {
  readonly #subs = new Map<string, Map<string, Subscription>>();
  readonly #rr = new Map<string, number>();
  readonly #options: { onFilterAdded?(filter: string): void; onFilterRemoved?(filter: string): void };
  constructor(options: { onFilterAdded?(filter: string): void; onFilterRemoved?(filter: string): void } = {}) { this.#options = options; }
  add(sub: Subscription): { replaced: Subscription | undefined } {
    let m = this.#subs.get(sub.clientId);
    if (!m) { m = new Map(); this.#subs.set(sub.clientId, m); }
    const replaced = m.get(sub.filter);
    m.set(sub.filter, sub);
    return { replaced };
  }
  remove(clientId: string, filter: string): Subscription | undefined {
    const m = this.#subs.get(clientId); const s = m?.get(filter); m?.delete(filter); return s;
  }
  removeClient(clientId: string): Subscription[] {
    const m = this.#subs.get(clientId); this.#subs.delete(clientId); return m ? [...m.values()] : [];
  }
  subscriptionsOf(clientId: string): Iterable<Subscription> { return this.#subs.get(clientId)?.values() ?? []; }
  get(clientId: string, filter: string): Subscription | undefined { return this.#subs.get(clientId)?.get(filter); }
  match(topic: string, publisher: string, visit: (d: Delivery) => void, isAvailable?: (clientId: string) => boolean): number {
    const out = new Map<string, Delivery>();
    const groups = new Map<string, Subscription[]>();
    for (const m of this.#subs.values()) for (const s of m.values()) {
      if (!matchesFilter(s.topicFilter, topic)) continue;
      if (s.shareGroup !== undefined) { const k = s.shareGroup + '\0' + s.topicFilter; groups.set(k, [...(groups.get(k) ?? []), s]); continue; }
      if (s.noLocal && s.clientId === publisher) continue;
      const d = out.get(s.clientId);
      const wildcard = s.topicFilter.includes('+') || s.topicFilter.includes('#');
      if (!d) out.set(s.clientId, { clientId: s.clientId, qos: s.qos, retainAsPublished: s.retainAsPublished, subscriptionIds: s.subscriptionId ? [s.subscriptionId] : undefined, shareGroup: undefined, wildcard });
      else { d.qos = Math.max(d.qos, s.qos) as QoS; d.wildcard ||= wildcard; if (s.subscriptionId) d.subscriptionIds = [...(d.subscriptionIds ?? []), s.subscriptionId]; }
    }
    let n = 0;
    for (const d of out.values()) { visit(d); n++; }
    for (const [k, members] of groups) {
      const avail = members.filter((m) => !isAvailable || isAvailable(m.clientId));
      const pool = avail.length ? avail : members;
      const i = (this.#rr.get(k) ?? 0) % pool.length; this.#rr.set(k, i + 1);
      const s = pool[i] as Subscription;
      visit({ clientId: s.clientId, qos: s.qos, retainAsPublished: s.retainAsPublished, subscriptionIds: s.subscriptionId ? [s.subscriptionId] : undefined, shareGroup: s.shareGroup, wildcard: true });
      n++;
    }
    return n;
  }
  pickSharedMember(group: string, topicFilter: string, exclude: string, isAvailable?: (clientId: string) => boolean): string | undefined {
    for (const m of this.#subs.values()) for (const s of m.values()) {
      if (s.shareGroup === group && s.topicFilter === topicFilter && s.clientId !== exclude && (!isAvailable || isAvailable(s.clientId))) return s.clientId;
    }
    return undefined;
  }
  *all(): IterableIterator<Subscription> { for (const m of this.#subs.values()) yield* m.values(); }
  get size(): number { let n = 0; for (const m of this.#subs.values()) n += m.size; return n; }
  get filterCount(): number { return new Set([...this.all()].map((s) => s.filter)).size; }
}

export class RetainedIndex<V> {
  readonly #m = new Map<string, V>();
  set(topic: string, value: V): void { this.#m.set(topic, value); }
  delete(topic: string): boolean { return this.#m.delete(topic); }
  get(topic: string): V | undefined { return this.#m.get(topic); }
  match(filter: string, visit: (topic: string, value: V) => void): void { for (const [t, v] of this.#m) if (matchesFilter(filter, t)) visit(t, v); }
  entries(): IterableIterator<[string, V]> { return this.#m.entries(); }
  get size(): number { return this.#m.size; }
  clear(): void { this.#m.clear(); }
}

export interface RemoteRouter { filterAdded(filter: string): void; filterRemoved(filter: string): void; forward(message: Message): Promise<void> | undefined }
export const singleNodeRemoteRouter: RemoteRouter = { filterAdded() {}, filterRemoved() {}, forward: () => undefined };
