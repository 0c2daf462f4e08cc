// The two connection generators behind one interface: the native one (C, epoll; its own child
// process) when a C compiler can build it, else the Node burst, whose figure is generator-bound.
import { ConnectionBurst } from './connect-burst.js';
import { NativeConnectionBurst } from './connect-burst-native.js';
import type { Endpoint } from './bench-connection.js';
import { compileNativeBurst, type NativeBuild } from './native/compile-native.js';
import type { ConnectGenerator } from './scenario-spec.js';

export interface BurstPlan {
  readonly endpoint: Endpoint;
  readonly count: number;
  readonly concurrency: number;
  readonly warmup: number;
  /** Unique per run: client ids are `<prefix><7 digits>`, warm-up ones `warm-<prefix>...`. */
  readonly clientIdPrefix: string;
  /** Source address of every connection (a fresh 127.x.y.z keeps ephemeral ports uncontended). */
  readonly localAddress?: string | undefined;
  readonly timeoutMs: number;
}

/** One run: warm up, then one measured burst whose connections stay open until finish(). */
export interface BurstDriver {
  readonly generator: ConnectGenerator;
  /** Why the native generator is not used (when it is not). */
  readonly note: string | undefined;
  warmUp(): Promise<void>;
  /** Wall seconds and generator CPU seconds of the measured burst. */
  burst(): Promise<{ seconds: number; generatorCpuSeconds: number }>;
  /** Closes every connection; resolves with how many the broker closed while they were held. */
  finish(): Promise<number>;
  close(): Promise<void>;
}

/** `MESHMQ_BENCH_CONNECT_GENERATOR`: `native`, `node`, or unset (native when it can be built). */
export type GeneratorChoice = 'auto' | ConnectGenerator;

export function parseGeneratorChoice(value: string | undefined): GeneratorChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'native' || value === 'node') return value;
  throw new Error(`MESHMQ_BENCH_CONNECT_GENERATOR: expected native, node or auto, got "${value}"`);
}

/**
 * A source address of its own in 127.0.0.0/8 for one native burst: the connecting side picks a
 * free ephemeral port per connection, and from 127.0.0.1 that search crosses every TIME_WAIT left
 * by earlier runs (tens of thousands on a busy machine), which costs the generator, not the broker.
 * Avoids 127.0.0.x and 127.0.8.x (brokers and the cluster target listen there).
 */
export function pickSourceAddress(random: () => number = Math.random): string {
  const byte = (): number => 1 + Math.floor(random() * 254);
  return `127.${10 + Math.floor(random() * 240)}.${byte()}.${byte()}`;
}

export async function createBurstDriver(plan: BurstPlan, choice: GeneratorChoice, compile: () => Promise<NativeBuild> = compileNativeBurst): Promise<BurstDriver> {
  if (choice === 'node') return new NodeBurstDriver(plan, 'node generator chosen (MESHMQ_BENCH_CONNECT_GENERATOR=node)');
  const build = await compile();
  if (build.ok) return new NativeBurstDriver(plan, build.binary);
  if (choice === 'native') throw new Error(`native connection generator unavailable: ${build.reason}`);
  return new NodeBurstDriver(plan, `${build.reason}: Node generator, figure generator-bound`);
}

class NativeBurstDriver implements BurstDriver {
  readonly generator = 'native';
  readonly note = undefined;
  readonly #burst: NativeConnectionBurst;

  constructor(plan: BurstPlan, binary: string) {
    this.#burst = new NativeConnectionBurst({ ...plan, binary, localAddress: plan.localAddress ?? pickSourceAddress() });
  }

  async warmUp(): Promise<void> {
    await this.#burst.warmedUp();
  }

  async burst(): Promise<{ seconds: number; generatorCpuSeconds: number }> {
    const figures = await this.#burst.burst();
    return { seconds: figures.seconds, generatorCpuSeconds: figures.cpuUserSeconds + figures.cpuSystemSeconds };
  }

  async finish(): Promise<number> {
    return await this.#burst.finish();
  }

  async close(): Promise<void> {
    await this.#burst.close();
  }
}

/**
 * The Node burst in this process. It keeps the default source address: Node binds a given
 * localAddress before connect(), and that bind-time port search is slower still.
 */
class NodeBurstDriver implements BurstDriver {
  readonly generator = 'node';
  readonly note: string;
  readonly #plan: BurstPlan;
  readonly #burst = new ConnectionBurst();

  constructor(plan: BurstPlan, note: string) {
    this.#plan = plan;
    this.note = note;
  }

  async warmUp(): Promise<void> {
    if (this.#plan.warmup === 0) return;
    const warm = new ConnectionBurst();
    try {
      await warm.open({ ...this.#open(), count: this.#plan.warmup, clientIdPrefix: `warm-${this.#plan.clientIdPrefix}` });
    } finally {
      warm.close();
    }
  }

  async burst(): Promise<{ seconds: number; generatorCpuSeconds: number }> {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await this.#burst.open({ ...this.#open(), count: this.#plan.count, clientIdPrefix: this.#plan.clientIdPrefix });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { seconds, generatorCpuSeconds: (used.user + used.system) / 1e6 };
  }

  async finish(): Promise<number> {
    const lost = this.#burst.lost;
    this.#burst.close();
    return lost;
  }

  async close(): Promise<void> {
    this.#burst.close();
  }

  #open(): { endpoint: Endpoint; concurrency: number; localAddress: string | undefined; timeoutMs: number } {
    return { endpoint: this.#plan.endpoint, concurrency: this.#plan.concurrency, localAddress: this.#plan.localAddress, timeoutMs: this.#plan.timeoutMs };
  }
}
