// An informer (list + watch through the API, as client-go's) that restarts itself after an error
// and reports when it first synced: the read side of every controller in the emulated cluster.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';

export interface WatchedCacheOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/api/v1/pods` (all namespaces). */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  logger: Logger;
  /** Called for every add, update and delete (the object as last seen). */
  onChange: (obj: T, verb: 'add' | 'update' | 'delete') => void;
  retryMs?: number;
}

export class WatchedCache<T extends KubernetesObject> {
  readonly #informer: ListWatch<T>;
  readonly #logger: Logger;
  readonly #retryMs: number;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: WatchedCacheOptions<T>) {
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? 500;
    this.#informer = new ListWatch<T>(options.path, new Watch(options.kubeConfig), options.list, false);
    for (const verb of ['add', 'update', 'delete'] as const) this.#informer.on(verb, (obj) => options.onChange(obj, verb));
    this.#informer.on('error', (err: unknown) => this.#restart(err));
  }

  /** Lists, starts watching, and resolves once the first list has filled the cache. */
  static async start<T extends KubernetesObject>(options: WatchedCacheOptions<T>): Promise<WatchedCache<T>> {
    const cache = new WatchedCache(options);
    await cache.#informer.start();
    const deadline = Date.now() + 10_000;
    while (cache.#informer.latestResourceVersion() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (cache.#informer.latestResourceVersion() === '') {
      await cache.close();
      throw new Error(`informer for ${options.path} did not sync within 10 s`);
    }
    return cache;
  }

  get(name: string, namespace?: string): T | undefined { return this.#informer.get(name, namespace); }

  list(namespace?: string): readonly T[] { return this.#informer.list(namespace); }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#informer.stop();
  }

  #restart(err: unknown): void {
    if (this.#closed) return;
    this.#logger.warn('watch failed, restarting', { err });
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (!this.#closed) this.#informer.start().catch((e: unknown) => this.#restart(e));
    }, this.#retryMs);
  }
}
