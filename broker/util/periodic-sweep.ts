// One shared interval for many cheap periodic checks (keep-alive, connect timeout), so that
// idle connections need no timer of their own.
export class PeriodicSweep<T> {
  readonly #members = new Set<T>();
  readonly #handle: NodeJS.Timeout;
  readonly intervalMs: number;
  #tick = 0;

  /** `check(member, now, tick)`: `tick` counts sweeps (a coarse clock members can cheaply record). */
  constructor(intervalMs: number, check: (member: T, now: number, tick: number) => void, now: () => number = Date.now) {
    this.intervalMs = intervalMs;
    this.#handle = setInterval(() => {
      const t = now();
      const tick = ++this.#tick;
      for (const member of this.#members) check(member, t, tick);
    }, intervalMs);
    this.#handle.unref();
  }

  /** Sweeps run so far. */
  get tick(): number {
    return this.#tick;
  }

  add(member: T): void {
    this.#members.add(member);
  }

  delete(member: T): void {
    this.#members.delete(member);
  }

  get size(): number {
    return this.#members.size;
  }

  close(): void {
    clearInterval(this.#handle);
    this.#members.clear();
  }
}
