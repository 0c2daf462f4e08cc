// A local route: one distinct subscribed filter string (a `$share/g/` prefix included) and the
// local subscriptions to it. Shared routes also keep their members in rotation order and pick
// one per message [MQTT-4.8.2].
import type { Subscription } from './subscription-table.js';

/** A subscription plus what matching needs precomputed: its identifier as a frozen array. */
export interface RouteSlot {
  readonly sub: Subscription;
  readonly ids: readonly number[] | undefined;
}

export type SharedStrategy = 'round-robin' | 'random';

export class LocalRoute {
  readonly slots = new Map<string, RouteSlot>();
  /** Shared routes only: members in rotation order; `#cursor` is the next one to try. */
  readonly #members: RouteSlot[] = [];
  #cursor = 0;

  constructor(
    readonly filter: string,
    readonly topicFilter: string,
    readonly group: string | undefined,
    readonly wildcard: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.slots.size === 0;
  }

  /** Adds or replaces the client's subscription; returns the one it replaced. */
  put(sub: Subscription): Subscription | undefined {
    const slot: RouteSlot = { sub, ids: sub.subscriptionId === undefined ? undefined : Object.freeze([sub.subscriptionId]) };
    const old = this.slots.get(sub.clientId);
    this.slots.set(sub.clientId, slot);
    if (this.group !== undefined) {
      const i = old === undefined ? -1 : this.#members.indexOf(old);
      if (i >= 0) this.#members[i] = slot;
      else this.#members.push(slot);
    }
    return old?.sub;
  }

  delete(clientId: string): Subscription | undefined {
    const old = this.slots.get(clientId);
    if (old === undefined) return undefined;
    this.slots.delete(clientId);
    if (this.group !== undefined) {
      const i = this.#members.indexOf(old);
      if (i >= 0) {
        this.#members.splice(i, 1);
        // Keep the rotation where it was: the member after the removed one is still next.
        if (i < this.#cursor) this.#cursor--;
        if (this.#cursor >= this.#members.length) this.#cursor = 0;
      }
    }
    return old.sub;
  }

  /**
   * The member to receive the next message of this shared group: round robin (or a random
   * start) over members that are available and not `exclude`; undefined when none is.
   */
  pick(strategy: SharedStrategy, random: () => number, exclude: string | undefined, isAvailable: ((clientId: string) => boolean) | undefined): RouteSlot | undefined {
    const members = this.#members;
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
