// Every operator metric, defined once. Names are meshmq_operator_<noun>_<unit>, counters end in
// _total; the process metrics (process_*, nodejs_*) keep their standard names. Own registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const RECONCILE_RESULTS = ['success', 'requeue', 'error'] as const;
export type ReconcileOutcome = (typeof RECONCILE_RESULTS)[number];

/** What autoheal did, by the reason of the Event the reconciler records for it. */
export const AUTOHEAL_ACTIONS = { PartitionDetected: 'partition_detected', AutohealDeleted: 'pods_deleted', AutohealBackoff: 'backoff', PartitionHealed: 'healed' } as const;
/** The Event reason of an autoclean (a node forgotten everywhere). */
export const AUTOCLEAN_REASON = 'Autoclean';

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'result'>;
  readonly reconcileDuration: Histogram;
  /** The API requests the operator made, by verb (get, list, watch, create, update, patch, delete) and HTTP code. */
  readonly apiRequests: Counter<'verb' | 'code'>;
  /** How long API requests took to answer, by verb (watches excluded: they last minutes by design). */
  readonly apiRequestDuration: Histogram<'verb'>;
  readonly applies: Counter<'kind' | 'result'>;
  /** Objects for which compare-by-subset was switched off after our own write left them different. */
  readonly writeLoopsPrevented: Counter<'kind'>;
  readonly events: Counter<'type' | 'result'>;
  readonly watchRestarts: Counter<'resource'>;
  readonly leader: Gauge;
  readonly autohealActions: Counter<'action'>;
  readonly autocleanActions: Counter;
  /** Counts an autoheal or autoclean action from the reason of its Event (other reasons: nothing). */
  clusterAction(reason: string): void;
  /** Register the gauge of keys waiting in the work queue (read at scrape time). */
  queueDepth(read: () => number): void;
  /** Register the gauge of BrokerClusters in the cache (read at scrape time). */
  clusters(read: () => number): void;
}

export function createOperatorMetrics(options: { defaultMetrics: boolean } = { defaultMetrics: true }): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });
  const readGauge = (name: string, help: string) => (read: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  };
  const autohealActions = counter('meshmq_operator_autoheal_actions_total', 'Autoheal actions: partitions detected, minority pods deleted, heals backed off, partitions healed', ['action']);
  const autocleanActions = counter('meshmq_operator_autoclean_actions_total', 'Nodes forgotten on every broker by autoclean (no live pod saw them up for spec.cluster.autoclean)', []);
  const reconciles = counter('meshmq_operator_reconciles_total', 'Reconciles of a BrokerCluster, by result (success, requeue: success asking to run again later, error)', ['result']);
  // Known label values start at 0: dashboards and alerts see a series before the first event.
  for (const action of Object.values(AUTOHEAL_ACTIONS)) autohealActions.inc({ action }, 0);
  for (const result of RECONCILE_RESULTS) reconciles.inc({ result }, 0);
  return {
    registry,
    autohealActions,
    autocleanActions,
    clusterAction(reason) {
      const action = (AUTOHEAL_ACTIONS as Record<string, string | undefined>)[reason];
      if (action) autohealActions.inc({ action });
      else if (reason === AUTOCLEAN_REASON) autocleanActions.inc();
    },
    reconciles,
    reconcileDuration: new Histogram({
      name: 'meshmq_operator_reconcile_duration_seconds', help: 'Time one reconcile of a BrokerCluster took',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    apiRequests: counter('meshmq_operator_api_requests_total', 'Requests to the Kubernetes API, by verb and HTTP status code (error: no response)', ['verb', 'code']),
    apiRequestDuration: new Histogram({
      name: 'meshmq_operator_api_request_duration_seconds', help: 'Time the Kubernetes API took to answer a request, by verb (watches excluded)',
      labelNames: ['verb'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    applies: counter('meshmq_operator_applies_total', 'Owned objects compared with their desired state, by kind and result (created, updated, unchanged)', ['kind', 'result']),
    writeLoopsPrevented: counter('meshmq_operator_write_loops_prevented_total', 'Objects still different from desired right after our own write, so compared by hash only until desired changes', ['kind']),
    events: counter('meshmq_operator_events_total', 'Kubernetes Events about BrokerClusters, by type and result (created, folded into a repeat, dropped by the spam filter, failed)', ['type', 'result']),
    watchRestarts: counter('meshmq_operator_watch_restarts_total', 'Informer restarts after a failed list or watch, by resource', ['resource']),
    leader: new Gauge({ name: 'meshmq_operator_leader', help: '1 while this process holds the leader Lease (and reconciles), else 0', registers }),
    queueDepth: readGauge('meshmq_operator_queue_depth', 'BrokerCluster keys waiting in the work queue (not counting those being reconciled or waiting out a backoff)'),
    clusters: readGauge('meshmq_operator_brokerclusters', 'BrokerClusters in the informer cache'),
  };
}
