// One informer: list, then watch from the list's resourceVersion, through client-node's ListWatch
// (which relists on 410 Expired). Around it: restart with backoff after a failed list or watch,
// a first-sync promise that fails with the list's error, bookmarks, bounded watch lengths, and
// managedFields dropped from cached objects (the largest part of most objects, never read).
import { ListWatch, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { resourcePath, type ResourceRef } from './api-resources.js';
import type { KubeApi, Watcher } from './kube-api.js';

export type ChangeVerb = 'add' | 'update' | 'delete';

export interface ResourceInformerOptions<T extends KubernetesObject> {
  api: KubeApi;
  resource: ResourceRef;
  /** Undefined: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger: Logger;
  metrics: OperatorMetrics;
  onChange: (obj: T, verb: ChangeVerb) => void;
  /** Each watch asks the server to end it after a random time in this range (seconds), as client-go does. Default [300, 600]. */
  watchTimeoutSeconds?: readonly [number, number];
  /** Restart delays after a failure: from `min` doubling to `max` (ms). Default 500 ms → 30 s. */
  restartBackoffMs?: { min: number; max: number };
}

export class ResourceInformer<T extends KubernetesObject> {
  readonly resource: ResourceRef;
  readonly namespace: string | undefined;
  readonly #informer: ListWatch<T>;
  readonly #logger: Logger;
  readonly #metrics: OperatorMetrics;
  readonly #backoff: { min: number; max: number };
  #failures = 0;
  #lastRestartAt = 0;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;
  #synced = false;
  #startError: unknown;

  constructor(options: ResourceInformerOptions<T>) {
    this.resource = options.resource;
    this.namespace = options.namespace;
    this.#logger = options.logger.child({ resource: options.resource.plural, ...(options.namespace ? { namespace: options.namespace } : {}) });
    this.#metrics = options.metrics;
    this.#backoff = options.restartBackoffMs ?? { min: 500, max: 30_000 };
    const { api, resource, namespace, labelSelector, fieldSelector } = options;
    const list = async () => {
      const result = await api.list<T>(resource, {
        ...(namespace !== undefined ? { namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        ...(fieldSelector !== undefined ? { fieldSelector } : {}),
      });
      for (const item of result.items) trim(item);
      return result;
    };
    const watcher = trimmingWatcher(api.watcher(), options.watchTimeoutSeconds ?? [300, 600]);
    this.#informer = new ListWatch<T>(resourcePath(resource, namespace), watcher as never, list, false, labelSelector, fieldSelector);
    for (const verb of ['add', 'update', 'delete'] as const) this.#informer.on(verb, (obj) => options.onChange(obj, verb));
    this.#informer.on('error', (err: unknown) => {
      if (!this.#synced) { this.#startError = err; return; }
      this.#restart(err);
    });
  }

  get synced(): boolean { return this.#synced; }

  /** Lists and starts watching; rejects with the list's error (403, 404, unreachable) when the first list fails. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.#stopped = false;
    this.#startError = undefined;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const outcome = await Promise.race([this.#informer.start(), timedOut]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      await this.#informer.stop();
      throw new Error(`the list and watch of ${this.resource.plural} did not start within ${timeoutMs} ms`);
    }
    if (this.#startError !== undefined) {
      await this.#informer.stop();
      throw this.#startError instanceof Error ? this.#startError : new Error(`the list of ${this.resource.plural} failed: ${JSON.stringify(this.#startError)}`);
    }
    this.#synced = true;
  }

  get(name: string, namespace?: string): T | undefined { return this.#informer.get(name, namespace); }

  list(namespace?: string): readonly T[] { return this.#informer.list(namespace); }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#informer.stop();
  }

  #restart(err: unknown): void {
    if (this.#stopped) return;
    this.#metrics.watchRestarts.inc({ resource: this.resource.plural });
    // A watch that ran well for a while since the last restart starts the backoff over.
    if (Date.now() - this.#lastRestartAt > 2 * this.#backoff.max) this.#failures = 0;
    const delay = Math.min(this.#backoff.max, this.#backoff.min * 2 ** Math.min(this.#failures, 20));
    this.#failures++;
    this.#lastRestartAt = Date.now();
    this.#logger.warn('list or watch failed, restarting', { err, retryInMs: delay });
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (this.#stopped) return;
      this.#informer.start().catch((e: unknown) => this.#restart(e));
    }, delay);
  }
}

function trim(obj: KubernetesObject): void {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
}

/** Adds bookmarks and a bounded watch length to ListWatch's requests, and trims what they deliver. */
function trimmingWatcher(inner: Watcher, [minS, maxS]: readonly [number, number]): Watcher {
  return {
    watch: (path, query, callback, done) => inner.watch(
      path,
      { ...query, allowWatchBookmarks: true, timeoutSeconds: Math.round(minS + Math.random() * (maxS - minS)) },
      (phase, obj, raw) => { if (obj && typeof obj === 'object') trim(obj as KubernetesObject); callback(phase, obj, raw); },
      done,
    ),
  };
}
