// Wires the cache to the reconciler: every change enqueues its BrokerCluster's key, a periodic
// resync enqueues them all, and the work queue runs the injected Reconcile with backoff. Each
// outcome becomes a metric; each error is logged with its key, and one failing cluster only
// delays itself.
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { ClusterKey, Reconcile } from '../reconcile/ports.js';
import type { Backoff } from './backoff.js';
import { WorkQueue } from './work-queue.js';

export interface ClusterControllerOptions {
  reconcile: Reconcile;
  /** Every cluster key known (for the resync). */
  keys: () => readonly ClusterKey[];
  logger: Logger;
  metrics: OperatorMetrics;
  concurrency: number;
  resyncMs: number;
  backoff?: Backoff;
  reconcileTimeoutMs?: number;
}

export function clusterKeyString(key: ClusterKey): string { return `${key.namespace}/${key.name}`; }

export function parseClusterKey(text: string): ClusterKey {
  const slash = text.indexOf('/');
  return { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
}

export class ClusterController {
  readonly #options: ClusterControllerOptions;
  readonly #logger: Logger;
  readonly #queue: WorkQueue;
  #resync: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: ClusterControllerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'controller' });
    const { metrics } = options;
    this.#queue = new WorkQueue({
      concurrency: options.concurrency,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.reconcileTimeoutMs !== undefined ? { timeoutMs: options.reconcileTimeoutMs } : {}),
      handle: (key) => options.reconcile(parseClusterKey(key)),
      onDone: (key, outcome) => {
        metrics.reconciles.inc({ result: outcome.result });
        metrics.reconcileDuration.observe(outcome.seconds);
        if (outcome.result === 'error') {
          this.#logger.error('reconcile failed', { cluster: key, err: outcome.error, retryInMs: outcome.retryInMs });
        } else if (this.#logger.isLevelEnabled('debug')) {
          this.#logger.debug('reconciled', { cluster: key, result: outcome.result, ms: Math.round(outcome.seconds * 1000) });
        }
      },
      onLate: (key, err) => this.#logger.warn('a reconcile that had timed out settled at last', { cluster: key, ...(err !== undefined ? { err } : {}) }),
    });
    metrics.queueDepth(() => this.#queue.depth);
  }

  /** Queues a reconcile of the cluster (before start, the start's initial pass covers it). */
  enqueue(key: ClusterKey): void {
    if (this.#started) this.#queue.add(clusterKeyString(key));
  }

  /** Reconciles every known cluster now and then every `resyncMs`. */
  start(): void {
    this.#started = true;
    this.#resyncAll();
    this.#resync = setInterval(() => this.#resyncAll(), this.#options.resyncMs);
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#resync);
    await this.#queue.close();
  }

  /** Resolves once nothing waits or runs (for tests and measurements). */
  idle(): Promise<void> { return this.#queue.idle(); }

  #resyncAll(): void {
    for (const key of this.#options.keys()) {
      const text = clusterKeyString(key);
      // A failing cluster waits out its backoff; a resync must not turn it into a retry every period.
      if (!this.#queue.isBackingOff(text)) this.#queue.add(text);
    }
  }
}
