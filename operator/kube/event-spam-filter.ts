// client-go's event spam filter: a token bucket per involved object (burst 25, one token back every
// 5 minutes), so a flapping cluster cannot flood the API with Events. Pure given `now`.
export interface SpamFilterOptions { burst?: number; refillEveryMs?: number; maxObjects?: number }

interface Bucket { tokens: number; at: number }

export class EventSpamFilter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #max: number;

  constructor(options: SpamFilterOptions = {}) {
    this.#burst = options.burst ?? 25;
    this.#refillMs = options.refillEveryMs ?? 300_000;
    this.#max = options.maxObjects ?? 4096;
  }

  /** Takes a token for `objectKey`; false when its bucket is empty (drop the event). */
  allow(objectKey: string, now: number): boolean {
    let bucket = this.#buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: this.#burst, at: now };
      if (this.#buckets.size >= this.#max) this.#buckets.delete(this.#buckets.keys().next().value as string);
    } else {
      this.#buckets.delete(objectKey);
      const refilled = Math.floor((now - bucket.at) / this.#refillMs);
      if (refilled > 0) bucket = { tokens: Math.min(this.#burst, bucket.tokens + refilled), at: bucket.at + refilled * this.#refillMs };
    }
    // Re-inserted: the map's order is least recently used first.
    this.#buckets.set(objectKey, bucket);
    if (bucket.tokens <= 0) return false;
    bucket.tokens--;
    return true;
  }
}
