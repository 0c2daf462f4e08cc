// Timers that may be longer than setTimeout's 2^31-1 ms limit (session expiry and will delay
// reach 0xFFFFFFFF s): long delays are chained in steps so they never overflow and fire at once.
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface Clock {
  now(): number;
}

export class SafeTimer {
  #handle: NodeJS.Timeout | undefined;
  #deadline = 0;
  readonly #clock: () => number;
  readonly #onFire: () => void;

  constructor(onFire: () => void, now: () => number = Date.now) {
    this.#onFire = onFire;
    this.#clock = now;
  }

  /** Fire `onFire` after `delayMs` (any non-negative size); replaces a pending schedule. */
  schedule(delayMs: number): void {
    this.cancel();
    this.#deadline = this.#clock() + Math.max(0, delayMs);
    this.#arm();
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  get deadline(): number {
    return this.#deadline;
  }

  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(): void {
    const left = this.#deadline - this.#clock();
    // Never pass more than MAX_TIMEOUT_MS: Node would clamp it to 1 ms and fire at once.
    this.#handle = setTimeout(() => this.#tick(), Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
    this.#handle.unref();
  }

  #tick(): void {
    this.#handle = undefined;
    if (this.#clock() < this.#deadline) {
      this.#arm();
      return;
    }
    this.#onFire();
  }
}
