// A queue of things that arrive asynchronously (messages, packets) that a test awaits one
// by one with a timeout: `await queue.next()` instead of sleeping and then looking.
export class QueueTimeoutError extends Error {}

export class AsyncQueue<T> {
  readonly #items: T[] = [];
  #waiters: Array<{ match: (item: T) => boolean; resolve: (item: T) => void }> = [];
  readonly #what: string;
  /** Every item ever pushed, in order (for assertions over the whole history). */
  readonly history: T[] = [];

  constructor(what = 'item') { this.#what = what; }

  push(item: T): void {
    this.history.push(item);
    const index = this.#waiters.findIndex((w) => w.match(item));
    if (index >= 0) {
      const [waiter] = this.#waiters.splice(index, 1);
      waiter!.resolve(item);
      return;
    }
    this.#items.push(item);
  }

  get size(): number { return this.#items.length; }

  /** Takes everything queued now. */
  drain(): T[] { return this.#items.splice(0); }

  /** The next item (in arrival order). */
  async next(timeoutMs = 5000): Promise<T> {
    return await this.nextMatching(() => true, timeoutMs);
  }

  /** The next item satisfying `match`; items before it that do not match stay queued. */
  async nextMatching(match: (item: T) => boolean, timeoutMs = 5000, what = this.#what): Promise<T> {
    const index = this.#items.findIndex(match);
    if (index >= 0) return this.#items.splice(index, 1)[0]!;
    return await new Promise<T>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (item: T) => { clearTimeout(timer); resolve(item); },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new QueueTimeoutError(`no ${what} within ${timeoutMs} ms (${this.#items.length} other(s) queued)`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The next `count` items. */
  async take(count: number, timeoutMs = 5000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    const out: T[] = [];
    while (out.length < count) out.push(await this.next(Math.max(1, deadline - Date.now())));
    return out;
  }
}
