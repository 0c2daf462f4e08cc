// A FIFO of pending deliveries as a growable ring buffer: O(1) push/shift without the O(n)
// Array#shift, and no allocation while it stays within its capacity.
export class DeliveryQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    if (this.#size === 0) this.#head = 0;
    return item;
  }

  /** Removes the items `drop` selects, keeping the order of the rest; returns how many went. */
  removeWhere(drop: (item: T) => boolean): number {
    const kept: T[] = [];
    for (const item of this) if (!drop(item)) kept.push(item);
    const removed = this.#size - kept.length;
    if (removed === 0) return 0;
    this.#items = kept;
    this.#head = 0;
    this.#size = kept.length;
    return removed;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    this.#items = [];
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) % this.#items.length] as T;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(Math.max(4, old.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#items = next;
    this.#head = 0;
  }
}
