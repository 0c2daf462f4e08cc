// One shared interval for many cheap periodic checks (keep-alive, connect timeout), so that
// idle connections need no timer of their own.
export class PeriodicSweep<T> {
  readonly #members = new Set<T>();
  readonly #handle: NodeJS.Timeout;

  constructor(intervalMs: number, check: (member: T, now: number) => void, now: () => number = Date.now) {
    this.#handle = setInterval(() => {
      const t = now();
      for (const member of this.#members) check(member, t);
    }, intervalMs);
    this.#handle.unref();
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
