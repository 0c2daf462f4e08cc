// What our own writes returned, until the informer cache has caught up with them: a reconcile that
// runs before the watch event arrives reads these instead of the older cached object, so it does
// not write the same change twice (or create an object twice). An entry goes when the cache holds
// that version or a later one, when the object is deleted, or (a bound, for servers whose
// resourceVersions are not integers) after a minute.
import type { KubernetesObject } from '@kubernetes/client-node';

interface Entry { readonly object: KubernetesObject; readonly at: number }

export class RecentWrites {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  remember(key: string, object: KubernetesObject): void {
    this.#entries.set(key, { object, at: this.#now() });
    if (this.#entries.size > 1000) this.#prune();
  }

  /** The object was deleted: what we wrote of it is no news any more. */
  forget(key: string): void { this.#entries.delete(key); }

  /** The newer of the cached object and the one our write returned. */
  newest(key: string, cached: KubernetesObject | undefined): KubernetesObject | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    const rv = entry.object.metadata?.resourceVersion;
    const cachedRv = cached?.metadata?.resourceVersion;
    if (this.#now() - entry.at > this.#ttlMs || (cachedRv !== undefined && rv !== undefined && !isOlder(cachedRv, rv))) {
      this.#entries.delete(key);
      return cached;
    }
    return entry.object;
  }

  #prune(): void {
    const now = this.#now();
    for (const [k, e] of this.#entries) if (now - e.at > this.#ttlMs) this.#entries.delete(k);
  }
}

/**
 * resourceVersions are opaque to clients, but every server in use (etcd revisions, the emulator)
 * gives increasing integers; where they are not, only equality is trusted and the TTL decides.
 */
function isOlder(a: string, b: string): boolean {
  if (a === b) return false;
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) < BigInt(b) : true;
}
