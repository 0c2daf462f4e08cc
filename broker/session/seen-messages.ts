// A bounded set of message identities (origin node, origin sequence number): what a moving session
// already has, so that a copy reaching it both directly and through a relay is delivered once.
// Oldest entries go first past the bound; it only has to cover the seconds a hand-off takes.

/** Enough for a hand-off window of busy sessions; past it the oldest identities are forgotten. */
export const SEEN_MESSAGES_MAX = 50_000;

export class SeenMessages {
  readonly #byNode = new Map<string, Set<number>>();
  // Insertion order for eviction: parallel rings of node names and sequence numbers.
  readonly #nodes: string[] = [];
  readonly #seqs: number[] = [];
  #head = 0;
  readonly #max: number;

  constructor(max = SEEN_MESSAGES_MAX) {
    this.#max = max;
  }

  get size(): number {
    return this.#nodes.length - this.#head;
  }

  has(node: string, seq: number): boolean {
    return this.#byNode.get(node)?.has(seq) ?? false;
  }

  /** Adds one identity; false when it was there already. */
  add(node: string, seq: number): boolean {
    let set = this.#byNode.get(node);
    if (set === undefined) this.#byNode.set(node, (set = new Set()));
    if (set.has(seq)) return false;
    set.add(seq);
    this.#nodes.push(node);
    this.#seqs.push(seq);
    if (this.size > this.#max) this.#evictOldest();
    return true;
  }

  /** As a snapshot carries it: origin node -> sequence numbers, oldest first. */
  toRecord(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (let i = this.#head; i < this.#nodes.length; i++) {
      const node = this.#nodes[i]!;
      (out[node] ??= []).push(this.#seqs[i]!);
    }
    return out;
  }

  static fromRecord(record: Readonly<Record<string, readonly number[]>>, max = SEEN_MESSAGES_MAX): SeenMessages {
    const seen = new SeenMessages(max);
    for (const [node, seqs] of Object.entries(record)) for (const seq of seqs) seen.add(node, seq);
    return seen;
  }

  #evictOldest(): void {
    const node = this.#nodes[this.#head]!;
    const seq = this.#seqs[this.#head]!;
    this.#head++;
    const set = this.#byNode.get(node);
    set?.delete(seq);
    if (set?.size === 0) this.#byNode.delete(node);
    // Compact once the dead prefix is as long as the live part: amortised O(1) per add.
    if (this.#head > 1024 && this.#head * 2 > this.#nodes.length) {
      this.#nodes.splice(0, this.#head);
      this.#seqs.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
