// Hands out host numbers within a subnet, round-robin so that a released address is not
// reused at once (a recreated pod gets a new IP, as on a real cluster, and stale DNS shows).
export class AddressPool {
  readonly #first: number;
  readonly #last: number;
  readonly #used = new Set<number>();
  #next: number;

  /** Host numbers `first..last` inclusive. */
  constructor(first: number, last: number) {
    if (first > last) throw new RangeError(`empty address pool ${first}..${last}`);
    this.#first = first; this.#last = last; this.#next = first;
  }

  allocate(): number {
    const size = this.#last - this.#first + 1;
    for (let i = 0; i < size; i++) {
      const candidate = this.#first + ((this.#next - this.#first + i) % size);
      if (!this.#used.has(candidate)) {
        this.#used.add(candidate);
        this.#next = candidate === this.#last ? this.#first : candidate + 1;
        return candidate;
      }
    }
    throw new Error(`address pool ${this.#first}..${this.#last} exhausted`);
  }

  release(host: number): void { this.#used.delete(host); }

  get size(): number { return this.#used.size; }
}
