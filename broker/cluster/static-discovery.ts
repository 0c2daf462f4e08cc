// Static discovery: a fixed list of host:port seeds (MESHMQ_CLUSTER_SEEDS).
import type { Discovery } from './discovery.js';

export class StaticDiscovery implements Discovery {
  readonly #seeds: ReadonlySet<string>;
  constructor(seeds: readonly string[]) { this.#seeds = new Set(seeds); }
  async start(onChange: (addresses: ReadonlySet<string>) => void): Promise<void> { onChange(this.#seeds); }
  current(): ReadonlySet<string> { return this.#seeds; }
  answered(): boolean { return true; }
  close(): void {}
}
