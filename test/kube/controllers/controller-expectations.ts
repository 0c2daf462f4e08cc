// ControllerExpectations (kube-controller-manager's controller_utils.go): after a controller asks
// for N pod creations or deletions it waits until its watch has shown them before it counts pods
// again, so a stale cache never makes it create or delete twice. Expectations lapse after 5 minutes.
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation { adds: number; deletes: Set<string>; at: number }

export class ControllerExpectations {
  readonly #byKey = new Map<string, Expectation>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) { this.#now = now; }

  /** True when the controller may act on what its cache shows for `key`. */
  satisfied(key: string): boolean {
    const e = this.#byKey.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.deletes.size === 0) || this.#now() - e.at > EXPECTATIONS_TIMEOUT_MS) {
      this.#byKey.delete(key);
      return true;
    }
    return false;
  }

  expectCreations(key: string, count: number): void { this.#byKey.set(key, { adds: count, deletes: new Set(), at: this.#now() }); }

  expectDeletions(key: string, podKeys: readonly string[]): void { this.#byKey.set(key, { adds: 0, deletes: new Set(podKeys), at: this.#now() }); }

  /** A pod of `key` appeared (or a create failed, so it never will). */
  creationObserved(key: string): void {
    const e = this.#byKey.get(key);
    if (e) e.adds--;
  }

  /** The pod `podKey` of `key` is being deleted or gone (or its delete failed). */
  deletionObserved(key: string, podKey: string): void { this.#byKey.get(key)?.deletes.delete(podKey); }

  forget(key: string): void { this.#byKey.delete(key); }
}
