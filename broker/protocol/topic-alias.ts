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

  /** The alias to send for `topic`; `known`: the client already has it (send an empty topic). */
  resolve(topic: string): { alias: number; known: boolean } {
    const existing = this.#aliases.get(topic);
    if (existing !== undefined) {
      this.#aliases.delete(topic);
      this.#aliases.set(topic, existing);
      return { alias: existing, known: true };
    }
    let alias: number;
    if (this.#aliases.size < this.#maximum) {
      alias = this.#aliases.size + 1;
    } else {
      const [oldest, oldAlias] = this.#aliases.entries().next().value as [string, number];
      this.#aliases.delete(oldest);
      alias = oldAlias;
    }
    this.#aliases.set(topic, alias);
    return { alias, known: false };
  }
}
