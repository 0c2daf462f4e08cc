// A meshmq broker process on a Redis store, with a fixed name and ports so that it can be killed
// (kill -9) and started again as the same node, as a restarted pod is.
import { allocatePorts, startMeshmq, type BrokerHandle, type BrokerPorts } from './broker-process.js';

export interface RedisBrokerOptions {
  readonly name: string;
  /** MESHMQ_* for the store: MESHMQ_REDIS_URL, or the Sentinel or Cluster variables. */
  readonly store: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly host?: string;
}

export class RedisBroker {
  readonly name: string;
  readonly ports: BrokerPorts;
  readonly #options: RedisBrokerOptions;
  #handle: BrokerHandle | undefined;

  private constructor(options: RedisBrokerOptions, ports: BrokerPorts) {
    this.name = options.name;
    this.#options = options;
    this.ports = ports;
  }

  static async start(options: RedisBrokerOptions): Promise<RedisBroker> {
    const broker = new RedisBroker(options, await allocatePorts(options.host ?? '127.0.0.1'));
    await broker.restart();
    return broker;
  }

  get handle(): BrokerHandle {
    if (this.#handle === undefined) throw new Error(`${this.name} is not running`);
    return this.#handle;
  }

  get running(): boolean { return this.#handle !== undefined; }
  get host(): string { return this.#options.host ?? '127.0.0.1'; }
  get mqttUrl(): string { return this.handle.mqttUrl; }
  get httpUrl(): string { return this.handle.httpUrl; }

  /** Starts it (again), waiting for /readyz. */
  async restart(env: Record<string, string> = {}): Promise<BrokerHandle> {
    if (this.#handle !== undefined) await this.kill();
    this.#handle = await startMeshmq({
      name: this.name, host: this.host, ports: this.ports,
      env: { MESHMQ_STORE: 'redis', MESHMQ_WS_ENABLED: 'false', MESHMQ_SYS_INTERVAL_MS: '0', ...this.#options.store, ...this.#options.env, ...env },
    });
    return this.#handle;
  }

  /** kill -9: nothing is flushed, nothing is said to anyone. */
  async kill(): Promise<void> {
    await this.#handle?.kill();
    this.#handle = undefined;
  }

  async stop(): Promise<void> {
    await this.#handle?.stop({ timeoutMs: 10000 }).catch(() => this.#handle?.kill());
    this.#handle = undefined;
  }
}
