// event of ReconcileEffects: core/v1 Events on the BrokerCluster, as client-go's recorder writes
// them (involvedObject, source.component, reportingComponent/Instance, `<name>.<hex nanos>` names).
// Repeats of the same type, reason and message fold into one Event whose count and lastTimestamp
// grow (the correlator), so `kubectl describe bc` reads "(x5 over 2m)". Bounded; never fatal.
import type { BrokerCluster } from '../api/broker-cluster.js';
import { BROKER_CLUSTER } from '../api/broker-cluster.js';
import { FIELD_MANAGER, MANAGED_BY } from '../build/labels.js';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { EventInput } from '../reconcile/ports.js';
import { RESOURCES } from './api-resources.js';
import { EventSpamFilter } from './event-spam-filter.js';
import { isNotFound } from './kube-api-error.js';
import type { KubeApi } from './kube-api.js';

interface Series { name: string; namespace: string; count: number; first: string; written: Promise<void> }

export interface EventRecorderOptions {
  api: KubeApi;
  logger: Logger;
  metrics: OperatorMetrics;
  /** reportingInstance and source.host: this operator's pod. */
  instance: string;
  now?: () => number;
  /** Series remembered for folding (client-go's LRU holds 4096). */
  maxSeries?: number;
  spamFilter?: EventSpamFilter;
}

export class EventRecorder {
  readonly #api: KubeApi;
  readonly #logger: Logger;
  readonly #metrics: OperatorMetrics;
  readonly #instance: string;
  readonly #now: () => number;
  readonly #max: number;
  readonly #spam: EventSpamFilter;
  readonly #series = new Map<string, Series>();
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.#api = options.api;
    this.#logger = options.logger.child({ component: 'events' });
    this.#metrics = options.metrics;
    this.#instance = options.instance;
    this.#now = options.now ?? Date.now;
    this.#max = options.maxSeries ?? 4096;
    this.#spam = options.spamFilter ?? new EventSpamFilter();
  }

  /** Resolves once written (or once its failure is logged): an Event never fails a reconcile. */
  event(cluster: BrokerCluster, input: EventInput): Promise<void> {
    const { namespace, name, uid } = cluster.metadata;
    const at = this.#now();
    if (!this.#spam.allow(uid, at)) {
      this.#metrics.events.inc({ type: input.type, result: 'dropped' });
      this.#logger.debug('event dropped by the spam filter', { namespace, name, reason: input.reason });
      return Promise.resolve();
    }
    const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const key = JSON.stringify([uid, input.type, input.reason, input.message]);
    const seen = this.#series.get(key);
    if (seen) {
      this.#series.delete(key);
      this.#series.set(key, seen);
      seen.count++;
      const count = seen.count;
      // Writes of one series go out in order, each after the one that created the Event.
      seen.written = seen.written.then(() => this.#fold(cluster, input, seen, count, time));
      return seen.written;
    }
    const series: Series = { name: this.#eventName(name, at), namespace, count: 1, first: time, written: Promise.resolve() };
    series.written = this.#create(cluster, input, series, time);
    this.#series.set(key, series);
    if (this.#series.size > this.#max) this.#series.delete(this.#series.keys().next().value as string);
    return series.written;
  }

  async #fold(cluster: BrokerCluster, input: EventInput, series: Series, count: number, time: string): Promise<void> {
    try {
      await this.#api.mergePatch(RESOURCES.event, series.namespace, series.name, { count, lastTimestamp: time }, FIELD_MANAGER);
      this.#metrics.events.inc({ type: input.type, result: 'folded' });
    } catch (err) {
      if (!isNotFound(err)) { this.#failed(input, err); return; }
      // The Event expired (the API server keeps them an hour): start the series again.
      series.name = this.#eventName(cluster.metadata.name, this.#now());
      series.count = 1;
      series.first = time;
      await this.#create(cluster, input, series, time);
    }
  }

  async #create(cluster: BrokerCluster, input: EventInput, series: Series, time: string): Promise<void> {
    const { namespace, name, uid, resourceVersion } = cluster.metadata;
    const body = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: series.name, namespace },
      involvedObject: { apiVersion: BROKER_CLUSTER.apiVersion, kind: BROKER_CLUSTER.kind, name, namespace, uid, resourceVersion },
      type: input.type, reason: input.reason, message: input.message,
      source: { component: MANAGED_BY, host: this.#instance },
      reportingComponent: MANAGED_BY, reportingInstance: this.#instance,
      firstTimestamp: series.first, lastTimestamp: time, count: series.count,
    };
    try {
      await this.#api.create(RESOURCES.event, namespace, body, FIELD_MANAGER);
      this.#metrics.events.inc({ type: input.type, result: 'created' });
    } catch (err) {
      this.#failed(input, err);
    }
  }

  #failed(input: EventInput, err: unknown): void {
    this.#metrics.events.inc({ type: input.type, result: 'failed' });
    this.#logger.warn('cannot record event', { reason: input.reason, err });
  }

  /** client-go names Events `<object>.<UnixNano in hex>`; the sequence keeps names unique within a millisecond. */
  #eventName(objectName: string, at: number): string {
    return `${objectName}.${(BigInt(at) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(16)}`;
  }
}
