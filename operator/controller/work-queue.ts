// A rate-limited work queue, as client-go's: keys deduplicated while waiting, never handled twice
// at once (a key added while it runs runs once more afterwards), several keys in parallel up to
// a bound, per-key exponential backoff after a failure (reset by a success), delayed re-adds.
// A handler that hangs past its timeout frees its worker (the key stays busy until it settles).
import { backoffDelayMs, DEFAULT_BACKOFF, type Backoff } from './backoff.js';

export interface WorkResult { readonly requeueAfterMs?: number }

export type WorkOutcome =
  | { readonly result: 'success' | 'requeue'; readonly seconds: number }
  | { readonly result: 'error'; readonly seconds: number; readonly error: unknown; readonly retryInMs: number };

export interface WorkQueueOptions {
  handle: (key: string) => Promise<WorkResult>;
  /** Keys handled at once. */
  concurrency: number;
  backoff?: Backoff;
  /** A handler still running after this long counts as failed and frees its worker. Default 120 s. */
  timeoutMs?: number;
  onDone?: (key: string, outcome: WorkOutcome) => void;
  /** A handler that had timed out settled at last (with its error, if it failed). */
  onLate?: (key: string, error: unknown) => void;
  now?: () => number;
}

export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  /** Waiting to run, in order of arrival. */
  readonly #ready = new Set<string>();
  /** Running (or hung past the timeout). */
  readonly #busy = new Set<string>();
  /** Added while busy: run again once done. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { timer: NodeJS.Timeout; at: number; retry: boolean }>();
  readonly #failures = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();
  #workers = 0;
  #closed = false;

  constructor(options: WorkQueueOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#now = options.now ?? Date.now;
  }

  /** Keys waiting to run now. */
  get depth(): number { return this.#ready.size; }

  add(key: string): void {
    if (this.#closed) return;
    if (this.#busy.has(key)) { this.#dirty.add(key); return; }
    this.#ready.add(key);
    this.#pump();
  }

  /** Adds `key` after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number, retry = false): void {
    if (this.#closed) return;
    if (ms <= 0) { this.add(key); return; }
    const at = this.#now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => { this.#delayed.delete(key); this.add(key); }, ms);
    this.#delayed.set(key, { timer, at, retry });
  }

  /** Whether the key waits out a backoff after a failure (resyncs leave such keys alone). */
  isBackingOff(key: string): boolean { return this.#delayed.get(key)?.retry === true; }

  /** Resolves when nothing waits or runs (delayed keys aside). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#ready.size > 0) {
      await Promise.race([...this.#running, new Promise((r) => setTimeout(r, 5))]);
    }
  }

  /** Stops taking work, drops what waits, and waits for the running handlers. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#ready.clear();
    this.#dirty.clear();
    for (const d of this.#delayed.values()) clearTimeout(d.timer);
    this.#delayed.clear();
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    while (!this.#closed && this.#workers < this.#options.concurrency && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string;
      this.#ready.delete(key);
      this.#busy.add(key);
      this.#workers++;
      const run = this.#run(key);
      this.#running.add(run);
      void run.finally(() => this.#running.delete(run));
    }
  }

  async #run(key: string): Promise<void> {
    const started = this.#now();
    let freed = false;
    const free = (): void => { if (!freed) { freed = true; this.#workers--; this.#pump(); } };
    const timeoutMs = this.#options.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const handled = this.#options.handle(key);
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    let outcome: WorkOutcome;
    try {
      const first = await Promise.race([handled, timedOut]);
      if (first === 'timeout') {
        outcome = this.#failed(key, started, new Error(`reconcile of ${key} still running after ${timeoutMs} ms`));
        free();
        this.#options.onDone?.(key, outcome);
        // The key stays busy until the hung handler settles: never two at once.
        await handled.then(() => this.#options.onLate?.(key, undefined), (err: unknown) => this.#options.onLate?.(key, err));
        this.#settle(key);
        return;
      }
      this.#failures.delete(key);
      const after = first.requeueAfterMs;
      if (after !== undefined && after > 0) this.addAfter(key, after);
      outcome = { result: after !== undefined && after > 0 ? 'requeue' : 'success', seconds: (this.#now() - started) / 1000 };
    } catch (error) {
      outcome = this.#failed(key, started, error);
    } finally {
      clearTimeout(timer);
    }
    free();
    this.#settle(key);
    this.#options.onDone?.(key, outcome);
  }

  #failed(key: string, started: number, error: unknown): WorkOutcome {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const retryInMs = backoffDelayMs(failures, this.#backoff);
    this.addAfter(key, retryInMs, true);
    return { result: 'error', seconds: (this.#now() - started) / 1000, error, retryInMs };
  }

  #settle(key: string): void {
    this.#busy.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }
}
