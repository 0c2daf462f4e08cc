// A controller's work queue: keys deduplicated while waiting, one key handled at a time (never
// the same key twice at once), failed keys retried after a delay, keys re-added on demand later.
import type { Logger } from '../../../broker/contract/logger.js';

export class WorkQueue {
  readonly #handle: (key: string) => Promise<void>;
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #pending = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(handle: (key: string) => Promise<void>, logger: Logger, retryMs = 500) {
    this.#handle = handle; this.#logger = logger; this.#retryMs = retryMs;
  }

  add(key: string): void {
    if (this.#closed) return;
    this.#pending.add(key);
    this.#running ??= this.#drain().finally(() => { this.#running = undefined; });
  }

  /** Adds `key` again after `ms` (time-based conditions such as minReadySeconds). */
  addAfter(key: string, ms: number): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); this.add(key); }, ms);
    this.#timers.add(timer);
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> { while (this.#running) await this.#running; }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    for (const t of this.#timers) clearTimeout(t);
    await this.idle();
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#pending.size > 0) {
      const key = this.#pending.values().next().value as string;
      this.#pending.delete(key);
      try {
        await this.#handle(key);
      } catch (err) {
        this.#logger.warn('sync failed, will retry', { key, err });
        this.addAfter(key, this.#retryMs);
      }
    }
  }
}
