// Whether the store takes writes: one state, changed by write outcomes and, while down, by a probe
// write with backoff (Store.ping), so recovery needs no traffic and no restart; while up and idle,
// by a probe every idleCheckMs, so a store that died with no traffic shows on /readyz. One log line
// per change, never per write; the cause of the latest failure is kept for /readyz and refusals.
import type { Logger } from '../contract/logger.js';
import { classifyStoreFailure, describeStoreFailure, type StoreFailureCause } from './store-failure.js';

export interface StoreAvailabilityDeps {
  /** A probe write; `after` is the cause of the failure it probes past (Store.ping). */
  readonly ping: (after?: StoreFailureCause) => Promise<void>;
  readonly logger: Logger;
  readonly now: () => number;
  /** Called on each change (metrics, readiness, the journal's resync on recovery). */
  readonly onChange?: (up: boolean) => void;
  readonly probeBaseMs?: number;
  readonly probeMaxMs?: number;
  /** While up, a probe when no write had an outcome for this long (0 or absent: none). */
  readonly idleCheckMs?: number;
}

export class StoreAvailability {
  readonly #d: StoreAvailabilityDeps;
  #up = true;
  #downSince = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #outages = 0;
  #cause: StoreFailureCause = 'other';
  #lastOutcomeAt: number;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleProbing = false;

  constructor(deps: StoreAvailabilityDeps) {
    this.#d = deps;
    this.#lastOutcomeAt = deps.now();
    const every = deps.idleCheckMs ?? 0;
    if (every > 0) {
      this.#idleTimer = setInterval(() => this.#idleCheck(every), every);
      this.#idleTimer.unref();
    }
  }

  get up(): boolean { return this.#up; }
  /** Times the store went down since start. */
  get outages(): number { return this.#outages; }
  /** Why writes fail, while down (the latest failure's cause); undefined while up. */
  get cause(): StoreFailureCause | undefined { return this.#up ? undefined : this.#cause; }

  /** A write (or a ping) failed: down from now on, until a ping or a write succeeds. */
  failed(err: unknown): void {
    if (this.#closed) return;
    this.#lastOutcomeAt = this.#d.now();
    this.#noteCause(err);
    if (this.#up) {
      this.#up = false;
      this.#downSince = this.#d.now();
      this.#outages++;
      this.#attempt = 0;
      this.#d.logger.warn('store unavailable: QoS 1/2 publishes to persistent sessions are refused until it takes writes again', {
        cause: this.#cause, problem: describeStoreFailure(this.#cause), err: errorText(err),
      });
      this.#d.onChange?.(false);
    }
    this.#schedule();
  }

  succeeded(): void {
    this.#lastOutcomeAt = this.#d.now();
    if (this.#up || this.#closed) return;
    this.#up = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#d.logger.info('store available again', { downMs: this.#d.now() - this.#downSince });
    this.#d.onChange?.(true);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#idleTimer);
  }

  /**
   * While down, an unclassified failure (a batch refused because an earlier one did not apply) does
   * not hide the known cause: an OOM must keep its room check before the store counts as back.
   */
  #noteCause(err: unknown): void {
    const cause = classifyStoreFailure(err);
    if (this.#up || cause !== 'other') this.#cause = cause;
  }

  /** Up, and no write told anything for `every` ms: a probe write, whose failure counts as a write's. */
  #idleCheck(every: number): void {
    if (!this.#up || this.#closed || this.#idleProbing || this.#d.now() - this.#lastOutcomeAt < every) return;
    this.#idleProbing = true;
    const outages = this.#outages;
    this.#d.ping().then(() => {
      this.#idleProbing = false;
      this.#lastOutcomeAt = this.#d.now();
    }, (err: unknown) => {
      this.#idleProbing = false;
      // Stale when the store went down (and maybe back) meanwhile: the newer outcome stands.
      if (this.#up && this.#outages === outages) this.failed(err);
    });
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const base = this.#d.probeBaseMs ?? 100;
    const delay = Math.min(base * 2 ** this.#attempt++, this.#d.probeMaxMs ?? 2000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#d.ping(this.#cause).then(() => this.succeeded(), (err: unknown) => {
        if (this.#up || this.#closed) return;
        this.#noteCause(err);
        this.#schedule();
      });
    }, delay);
    this.#timer.unref();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
