// The callback seam of an acknowledgement that waits (issue 12): a source that takes on a wait (a
// forward to peers, a relay to a session's new node) says `hold()` once and `settled()` once, on a
// record the waiter preallocated, instead of handing back a Promise and its closures per publish.

export interface AckWaiter {
  /** One more wait this acknowledgement must see settle before it is sent. */
  hold(): void;
  /**
   * One wait held with `hold()` ended: `err` undefined when what it waited for is held where it went,
   * else why not (the ack must then not say it was accepted). Called exactly once per `hold()`, possibly
   * from inside the call that held it (a forward refused at once).
   */
  settled(err: Error | undefined): void;
}

/**
 * An AckWaiter whose outcome is a Promise, made only when something held a wait: the adapter for
 * callers that still speak promises (a peer's forward on the receiving node, tests). Reusable while
 * `idle` (nothing was held since it was made).
 */
export class PromiseAckWaiter implements AckWaiter {
  #waits = 0;
  #err: Error | undefined;
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((err: Error) => void) | undefined;

  get idle(): boolean { return this.#promise === undefined && this.#waits === 0 && this.#err === undefined; }

  hold(): void {
    this.#waits++;
  }

  settled(err: Error | undefined): void {
    this.#waits--;
    if (err !== undefined) this.#err ??= err;
    if (this.#waits === 0 && this.#promise !== undefined) this.#finish();
  }

  /** What the holds add up to: undefined when nothing was held, else settled when every hold is (first failure wins). */
  outcome(): Promise<void> | undefined {
    if (this.#promise !== undefined) return this.#promise;
    if (this.#waits === 0) return this.#err === undefined ? undefined : Promise.reject(this.#err);
    this.#promise = new Promise<void>((resolve, reject) => { this.#resolve = resolve; this.#reject = reject; });
    return this.#promise;
  }

  #finish(): void {
    if (this.#err === undefined) this.#resolve!(); else this.#reject!(this.#err);
  }
}
