// DNS discovery: every A and AAAA record of a name (a headless Service) is a peer on the cluster
// port. Re-resolved every interval so scaling needs no restart; a failed lookup keeps the last
// answer (a DNS blip must not empty the cluster) and is logged and counted.
import { Resolver } from 'node:dns/promises';
import type { Logger } from '../contract/logger.js';
import { sameSet, type Discovery } from './discovery.js';

export interface DnsDiscoveryOptions {
  readonly name: string;
  /** ip[:port] of the DNS server to ask; the system's when unset. */
  readonly server?: string | undefined;
  readonly port: number;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly logger: Logger;
  /** Called on each failed lookup (the lead maps it to a metric). */
  readonly onFailure?: (err: Error) => void;
}

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

export class DnsDiscovery implements Discovery {
  readonly #o: DnsDiscoveryOptions;
  readonly #resolver: Resolver;
  #current: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failures = 0;
  #answered = false;

  constructor(options: DnsDiscoveryOptions) {
    this.#o = options;
    this.#resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 2 });
    if (options.server) this.#resolver.setServers([options.server]);
  }

  get failures(): number { return this.#failures; }
  current(): ReadonlySet<string> { return this.#current; }
  answered(): boolean { return this.#answered; }

  async start(onChange: (addresses: ReadonlySet<string>) => void): Promise<void> {
    const tick = async (): Promise<void> => {
      await this.#refresh(onChange);
      if (!this.#closed) {
        this.#timer = setTimeout(() => void tick(), this.#o.intervalMs);
        this.#timer.unref();
      }
    };
    await tick();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** One resolution; exposed so a caller can force a refresh. */
  async resolve(): Promise<Set<string>> {
    const [a, aaaa] = await Promise.all([this.#lookup('A'), this.#lookup('AAAA')]);
    const out = new Set<string>();
    for (const ip of a) out.add(`${ip}:${this.#o.port}`);
    for (const ip of aaaa) out.add(`[${ip}]:${this.#o.port}`);
    return out;
  }

  async #lookup(type: 'A' | 'AAAA'): Promise<string[]> {
    try {
      return type === 'A' ? await this.#resolver.resolve4(this.#o.name) : await this.#resolver.resolve6(this.#o.name);
    } catch (err) {
      // "No such records" is an answer (e.g. no AAAA in an IPv4 cluster, or no pods yet), not a failure.
      if (NO_RECORDS.has((err as NodeJS.ErrnoException).code ?? '')) return [];
      throw new Error(`DNS ${type} lookup of ${this.#o.name} failed`, { cause: err });
    }
  }

  async #refresh(onChange: (addresses: ReadonlySet<string>) => void): Promise<void> {
    let next: Set<string>;
    try {
      next = await this.resolve();
    } catch (err) {
      this.#failures++;
      this.#o.logger.warn('cluster DNS discovery failed; keeping the last answer', { name: this.#o.name, err, peers: this.#current.size });
      this.#o.onFailure?.(err as Error);
      return;
    }
    this.#answered = true;
    if (this.#closed || sameSet(next, this.#current)) return;
    this.#current = next;
    onChange(next);
  }
}
