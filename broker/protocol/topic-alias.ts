// v5 topic aliases [MQTT-3.3.2-7..12]: the inbound map the client fills (up to our Topic Alias
// Maximum), and an outbound LRU that reuses the least recently used alias when full.
export class InboundTopicAliases {
  readonly #topics = new Map<number, string>();

  set(alias: number, topic: string): void {
    this.#topics.set(alias, topic);
  }

  get(alias: number): string | undefined {
    return this.#topics.get(alias);
  }
}

/** Only topics at least this long are worth an alias: a short topic costs less than the churn. */
export const MIN_ALIASED_TOPIC_LENGTH = 8;

export class OutboundTopicAliases {
  // Map order is recency order: delete + set moves an entry to the end.
  readonly #aliases = new Map<string, number>();
  readonly #maximum: number;

  constructor(maximum: number) {
    this.#maximum = maximum;
  }

  /** The alias the client already has for `topic` (refreshed as most recently used), if any. */
  lookup(topic: string): number | undefined {
    const existing = this.#aliases.get(topic);
    if (existing !== undefined) {
      this.#aliases.delete(topic);
      this.#aliases.set(topic, existing);
    }
    return existing;
  }

  /** The alias `assign` would give a new topic: the next free one, or the least recently used. */
  next(): number {
    if (this.#aliases.size < this.#maximum) return this.#aliases.size + 1;
    return this.#aliases.values().next().value as number;
  }

  /**
   * Records that `topic` was sent with alias `next()`. Called only once the PUBLISH that
   * teaches the client the alias is really sent: a dropped one must not leave the client an
   * alias it never learned [MQTT-3.3.2-12].
   */
  assign(topic: string, alias: number): void {
    if (this.#aliases.size >= this.#maximum) {
      const oldest = this.#aliases.keys().next().value as string;
      this.#aliases.delete(oldest);
    }
    this.#aliases.set(topic, alias);
  }
}
