// The running operator: checks the API and the CRD, serves /healthz /readyz /metrics, elects a
// leader, and as the leader starts the informer cache and the controller that drives the injected
// reconciler. Stops in order on a graceful stop: no new reconciles, the lease released, informers off.
import type { KubeConfig } from '@kubernetes/client-node';
import { BROKER_CLUSTER } from '../api/broker-cluster.js';
import { startOperatorHttp, type OperatorHttp, type Probe } from '../http/operator-http.js';
import { groupVersionPath } from '../kube/api-resources.js';
import { InformerClusterCache } from '../kube/cluster-cache.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { isNotFound } from '../kube/kube-api-error.js';
import { KubeApi } from '../kube/kube-api.js';
import { KubeApplier } from '../kube/kube-applier.js';
import { LeaseElector } from '../kube/lease-elector.js';
import { CrdMissingError } from '../kube/startup-failure.js';
import { StatusWriter } from '../kube/status-writer.js';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { ReconcileEffects } from '../reconcile/ports.js';
import { ClusterController } from './cluster-controller.js';
import type { OperatorConfig } from './operator-config.js';
import type { CreateReconciler } from './reconciler-factory.js';

export interface OperatorRuntimeDeps {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: OperatorMetrics;
  /** The reconciler to drive (called once the API and the CRD have been checked). */
  loadReconciler: () => Promise<CreateReconciler>;
  /** The operator cannot go on (lost leadership, caches that cannot start): stop and exit non-zero. */
  onFatal: (err: unknown) => void;
  now?: () => number;
}

export class OperatorRuntime {
  readonly api: KubeApi;
  readonly #deps: OperatorRuntimeDeps;
  readonly #logger: Logger;
  readonly #cache: InformerClusterCache;
  readonly #controller: ClusterController;
  readonly #elector: LeaseElector | undefined;
  #http: OperatorHttp | undefined;
  #leading = false;
  #stopping = false;

  private constructor(deps: OperatorRuntimeDeps, api: KubeApi, createReconciler: CreateReconciler) {
    const { config, metrics } = deps;
    this.#deps = deps;
    this.#logger = deps.logger;
    const now = deps.now ?? Date.now;
    this.api = api;
    let controller: ClusterController | undefined;
    this.#cache = new InformerClusterCache({
      api: this.api, logger: this.#logger, metrics,
      ...(config.namespaces ? { namespaces: config.namespaces } : {}),
      serviceMonitors: config.serviceMonitors,
      onClusterChange: (key) => controller?.enqueue(key),
    });
    const applier = new KubeApplier({ api: this.api, cache: this.#cache, logger: this.#logger, metrics });
    const status = new StatusWriter({ api: this.api, cache: this.#cache, logger: this.#logger });
    const events = new EventRecorder({ api: this.api, logger: this.#logger, metrics, instance: config.instance, now });
    const effects: ReconcileEffects = {
      apply: (d) => applier.apply(d),
      createIfAbsent: (d) => applier.createIfAbsent(d),
      deletePod: (ns, name, uid) => applier.deletePod(ns, name, uid),
      writeStatus: (c, s) => status.writeStatus(c, s),
      event: (c, e) => { metrics.clusterAction(e.reason); return events.event(c, e); },
    };
    const reconcile = createReconciler({ cache: this.#cache, effects, logger: this.#logger.child({ component: 'reconciler' }), now });
    controller = new ClusterController({
      reconcile, keys: () => this.#cache.clusterKeys(), logger: this.#logger, metrics,
      concurrency: config.concurrency, resyncMs: config.resyncMs,
    });
    this.#controller = controller;
    metrics.clusters(() => this.#cache.clusterCount());
    this.#elector = config.leaderElect ? new LeaseElector({
      api: this.api, namespace: config.leaseNamespace, name: config.leaseName, identity: config.identity,
      leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
      logger: this.#logger, metrics, now,
      onStartedLeading: () => { this.#lead().catch((err: unknown) => this.#fatal(err)); },
      onStoppedLeading: () => this.#fatal(new Error('lost leadership: no renewal of the Lease succeeded within the renew deadline')),
      onRefused: (err) => this.#fatal(err),
    }) : undefined;
  }

  /** Checks the API, serves HTTP, then leads (without election) or waits for the lease. Rejects on what ends a start. */
  static async start(deps: OperatorRuntimeDeps): Promise<OperatorRuntime> {
    const api = new KubeApi(deps.kubeConfig, {
      onRequest: (verb, code, seconds) => {
        deps.metrics.apiRequests.inc({ verb, code });
        if (verb !== 'watch') deps.metrics.apiRequestDuration.observe({ verb }, seconds);
      },
    });
    let runtime: OperatorRuntime | undefined;
    try {
      await preflight(api);
      const started = new OperatorRuntime(deps, api, await deps.loadReconciler());
      runtime = started;
      started.#http = await startOperatorHttp({
        host: deps.config.httpHost, port: deps.config.httpPort, registry: deps.metrics.registry, logger: started.#logger,
        health: () => started.#health(), ready: () => started.#ready(),
      });
      if (started.#elector) started.#elector.start();
      else await started.#lead();
    } catch (err) {
      if (runtime) await runtime.stop(); else api.close();
      throw err;
    }
    return runtime;
  }

  get httpPort(): number | undefined { return this.#http?.port; }

  /** Resolves when no reconcile waits or runs (tests, measurements). */
  idle(): Promise<void> { return this.#controller.idle(); }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#leading = false;
    await this.#controller.stop();
    await this.#elector?.stop({ release: true });
    await this.#cache.stop();
    await this.#http?.close();
    this.api.close();
  }

  async #lead(): Promise<void> {
    if (this.#stopping) return;
    this.#logger.info('starting the informers', { namespaces: this.#deps.config.namespaces ?? 'all' });
    await this.#cache.start();
    if (this.#stopping) return;
    this.#leading = true;
    this.#controller.start();
    this.#logger.info('reconciling', { clusters: this.#cache.clusterCount() });
  }

  #fatal(err: unknown): void {
    if (this.#stopping) return;
    this.#leading = false;
    this.#deps.onFatal(err);
  }

  #health(): Probe {
    return this.#stopping ? { ok: false, reason: 'stopping' } : { ok: true, reason: this.#leading ? 'leading' : 'running' };
  }

  #ready(): Probe {
    if (this.#stopping) return { ok: false, reason: 'stopping' };
    if (this.#leading && this.#cache.synced) return { ok: true, reason: 'leader, caches synced' };
    if (this.#elector?.running && !this.#elector.isLeader) return { ok: true, reason: 'standby, waiting for the lease' };
    return { ok: false, reason: this.#elector?.isLeader ? 'leader, caches syncing' : 'starting' };
  }
}

/** The API answers, with our credentials, and serves the BrokerCluster kind. */
async function preflight(api: KubeApi): Promise<void> {
  await api.request('GET', '/version');
  const crd = `${BROKER_CLUSTER.plural}.${BROKER_CLUSTER.group}`;
  let resources: Array<{ name: string }>;
  try {
    resources = (await api.request<{ resources?: Array<{ name: string }> }>('GET', groupVersionPath(BROKER_CLUSTER.apiVersion))).resources ?? [];
  } catch (err) {
    if (isNotFound(err)) throw new CrdMissingError(crd);
    throw err;
  }
  if (!resources.some((r) => r.name === BROKER_CLUSTER.plural)) throw new CrdMissingError(crd);
}
