// A local route: one distinct subscribed filter string (a `$share/g/` prefix included) and the
// local subscriptions to it. Shared routes also keep their members in rotation order and pick
// one per message [MQTT-4.8.2].
import type { Delivery, Subscription } from './subscription-table.js';

/**
 * One client's subscriptions in the table, plus the merge mark of the match in progress:
 * merging a client's overlapping subscriptions needs no Map per publish.
 */
export class ClientRecord {
  /** The client's slots by filter: also how a route finds a client's slot (routes keep no Map). */
  readonly slots = new Map<string, RouteSlot>();
  /** The match that last touched this client, and the delivery it is merging into. */
  stamp = 0;
  delivery: Delivery | undefined = undefined;
}

/** A subscription plus what matching needs precomputed: its identifier as a frozen array. */
export interface RouteSlot {
  readonly sub: Subscription;
  readonly ids: readonly number[] | undefined;
  readonly client: ClientRecord;
  /** Position in `LocalRoute.list`. */
  index: number;
}

export type SharedStrategy = 'round-robin' | 'random';

export class LocalRoute {
  /**
   * The slots as an array, for iteration on the match path. Plain routes remove by swapping the
   * last slot in (O(1)); shared routes keep rotation order (splice) and `#cursor` is the next to try.
   */
  list: RouteSlot[] = [];
  #cursor = 0;

  constructor(
    readonly filter: string,
    readonly topicFilter: string,
    readonly group: string | undefined,
    readonly wildcard: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Puts `slot` in place of `old` (same client, same filter), or at the end. */
  put(slot: RouteSlot, old: RouteSlot | undefined): void {
    if (old !== undefined) {
      // A replaced subscription keeps its place (and so its turn in a shared group).
      slot.index = old.index;
      this.list[slot.index] = slot;
    } else if (this.list.length === 0) {
      this.list = [slot]; // exact capacity: most routes never get a second subscriber
      slot.index = 0;
    } else {
      slot.index = this.list.length;
      this.list.push(slot);
    }
  }

  delete(slot: RouteSlot): void {
    const list = this.list;
    const i = slot.index;
    if (list[i] !== slot) return;
    if (this.group === undefined) {
      const last = list.pop()!;
      if (last !== slot) {
        list[i] = last;
        last.index = i;
      }
      return;
    }
    list.splice(i, 1);
    for (let k = i; k < list.length; k++) list[k]!.index = k;
    // Keep the rotation where it was: the member after the removed one is still next.
    if (i < this.#cursor) this.#cursor--;
    if (this.#cursor >= list.length) this.#cursor = 0;
  }

  /**
   * The member to receive the next message of this shared group: round robin (or a random
   * start) over members that are available and not `exclude`; undefined when none is.
   */
  pick(strategy: SharedStrategy, random: () => number, exclude: string | undefined, isAvailable: ((clientId: string) => boolean) | undefined): RouteSlot | undefined {
    const members = this.list;
    const n = members.length;
    if (n === 0) return undefined;
    const start = strategy === 'random' ? Math.floor(random() * n) : this.#cursor;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const slot = members[i]!;
      const clientId = slot.sub.clientId;
      if (clientId === exclude || (isAvailable !== undefined && !isAvailable(clientId))) continue;
      if (strategy === 'round-robin') this.#cursor = (i + 1) % n;
      return slot;
    }
    return undefined;
  }
}
