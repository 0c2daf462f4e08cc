// Whether the store answers: one state, changed by write outcomes and, while down, by a ping with
// backoff, so recovery needs no traffic and no restart. One log line per change, never per write.
import type { Logger } from '../log/logger.js';

export interface StoreAvailabilityDeps {
  readonly ping: () => Promise<void>;
  readonly logger: Logger;
  readonly now: () => number;
  /** Called on each change (metrics, readiness, the journal's resync on recovery). */
  readonly onChange?: (up: boolean) => void;
  readonly probeBaseMs?: number;
  readonly probeMaxMs?: number;
}

export class StoreAvailability {
  readonly #d: StoreAvailabilityDeps;
  #up = true;
  #downSince = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #outages = 0;

  constructor(deps: StoreAvailabilityDeps) { this.#d = deps; }

  get up(): boolean { return this.#up; }
  /** Times the store went down since start. */
  get outages(): number { return this.#outages; }

  /** A write (or a ping) failed: down from now on, until a ping or a write succeeds. */
  failed(err: unknown): void {
    if (this.#closed) return;
    if (this.#up) {
      this.#up = false;
      this.#downSince = this.#d.now();
      this.#outages++;
      this.#attempt = 0;
      this.#d.logger.warn('store unavailable: QoS 1/2 publishes to persistent sessions are refused until it answers again', { err: errorText(err) });
      this.#d.onChange?.(false);
    }
    this.#schedule();
  }

  succeeded(): void {
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
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const base = this.#d.probeBaseMs ?? 100;
    const delay = Math.min(base * 2 ** this.#attempt++, this.#d.probeMaxMs ?? 2000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#d.ping().then(() => this.succeeded(), () => { if (!this.#up) this.#schedule(); });
    }, delay);
    this.#timer.unref();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
