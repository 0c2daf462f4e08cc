// The ReplicaSet controller (kube-controller-manager's), talking to the API only through REST:
// informers on ReplicaSets and Pods, pods created from the template (`<rs>-<random>`) in slow-start
// batches and deleted by rank, expectations so a stale cache never acts twice, status writes.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import { ignoreStatus } from './api-errors.js';
import { ControllerExpectations } from './controller-expectations.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { claimObjects, controllerRefOf, controllerReference, matchesSelector } from './owner-claims.js';
import { computeReplicaSetStatus, decideReplicaSetAction, isActivePod, replicaSetStatusEquals, type ReplicaSetStatusJson } from './replicaset-decisions.js';
import { WatchedCache } from './watched-cache.js';
import { WorkQueue } from './work-queue.js';

export interface ReplicaSetControllerOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  now?: () => number;
}

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? 'default'}/${name ?? ''}`;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The pod a ReplicaSet creates from its template [controller.GetPodFromTemplate]. */
export function buildReplicaSetPod(rs: V1ReplicaSet): V1Pod {
  const meta = rs.spec?.template?.metadata ?? {};
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? ''}-`, namespace: rs.metadata?.namespace ?? 'default',
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerReference(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(rs.spec?.template?.spec ?? { containers: [] }),
  };
}

export class ReplicaSetController {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #events: EventRecorder;
  readonly #queue: WorkQueue;
  readonly #expectations: ControllerExpectations;
  #sets: WatchedCache<V1ReplicaSet> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;

  private constructor(options: ReplicaSetControllerOptions) {
    this.#apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#logger = options.logger.child({ component: 'replicaset-controller' });
    this.#now = options.now ?? Date.now;
    this.#expectations = new ControllerExpectations(this.#now);
    this.#events = createEventRecorder(options.kubeConfig, { component: 'replicaset-controller' }, this.#logger);
    this.#queue = new WorkQueue((key) => this.#sync(key), this.#logger);
  }

  static async start(options: ReplicaSetControllerOptions): Promise<ReplicaSetController> {
    const c = new ReplicaSetController(options);
    const { kubeConfig } = options;
    c.#sets = await WatchedCache.start<V1ReplicaSet>({
      kubeConfig, logger: c.#logger, path: '/apis/apps/v1/replicasets',
      list: () => c.#apps.listReplicaSetForAllNamespaces(),
      onChange: (rs) => c.#queue.add(keyOf(rs.metadata?.namespace, rs.metadata?.name)),
    });
    c.#pods = await WatchedCache.start<V1Pod>({
      kubeConfig, logger: c.#logger, path: '/api/v1/pods',
      list: () => c.#core.listPodForAllNamespaces(),
      onChange: (pod, verb) => c.#onPod(pod, verb),
    });
    for (const rs of c.#sets.list()) c.#queue.add(keyOf(rs.metadata?.namespace, rs.metadata?.name));
    return c;
  }

  async idle(): Promise<void> { await this.#queue.idle(); }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#sets?.close();
    await this.#pods?.close();
  }

  #onPod(pod: V1Pod, verb: 'add' | 'update' | 'delete'): void {
    const namespace = pod.metadata?.namespace ?? 'default';
    const podKey = keyOf(namespace, pod.metadata?.name);
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== 'ReplicaSet') return;
      const key = keyOf(namespace, ref.name);
      if (verb === 'delete' || pod.metadata?.deletionTimestamp) this.#expectations.deletionObserved(key, podKey);
      else if (verb === 'add') this.#expectations.creationObserved(key);
      this.#queue.add(key);
      return;
    }
    // An orphan: every ReplicaSet that would select it may adopt it.
    for (const rs of this.#sets?.list(namespace) ?? []) {
      if (matchesSelector(rs.spec?.selector, pod.metadata?.labels)) this.#queue.add(keyOf(namespace, rs.metadata?.name));
    }
  }

  async #sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const rs = this.#sets?.get(name, namespace);
    if (!rs) { this.#expectations.forget(key); return; }
    const needsSync = this.#expectations.satisfied(key);
    const candidates = (this.#pods?.list(namespace) ?? []).filter(isActivePod);
    const claims = claimObjects(rs, rs.spec?.selector, candidates);
    for (const pod of claims.adopt) await this.#setOwner(rs, pod, true);
    for (const pod of claims.release) await this.#setOwner(rs, pod, false);
    const pods = claims.owned;
    const now = this.#now();
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      const deploymentUid = controllerRefOf(rs)?.uid;
      const related = deploymentUid === undefined ? pods : candidates.filter((p) => this.#isRelated(p, namespace, deploymentUid));
      const action = decideReplicaSetAction(rs, pods, related, now);
      if (action.type === 'create') await this.#createPods(rs, key, action.count);
      else if (action.type === 'delete') await this.#deletePods(rs, key, action.pods);
    }
    const status = computeReplicaSetStatus(rs, pods, now);
    if (!replicaSetStatusEquals(rs.status, status)) await this.#writeStatus(rs, status);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    // Availability after minReadySeconds is a matter of time, not of an event: look again then.
    if (minReady > 0 && status.readyReplicas === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
      this.#queue.addAfter(key, minReady * 1000);
    }
  }

  /** Pods of the sibling ReplicaSets (same Deployment): node crowding ranks deletions across them. */
  #isRelated(pod: V1Pod, namespace: string, deploymentUid: string): boolean {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return false;
    const owner = this.#sets?.get(ref.name, namespace);
    return owner !== undefined && controllerRefOf(owner)?.uid === deploymentUid;
  }

  /** Slow start: batches of 1, 2, 4... so a template that cannot work fails once, not 500 times [slowStartBatch]. */
  async #createPods(rs: V1ReplicaSet, key: string, count: number): Promise<void> {
    this.#expectations.expectCreations(key, count);
    const namespace = rs.metadata?.namespace ?? 'default';
    const asObject = { ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' };
    let remaining = count;
    for (let batch = 1; remaining > 0; batch *= 2) {
      const size = Math.min(batch, remaining);
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.#core.createNamespacedPod({ namespace, body: buildReplicaSetPod(rs) })));
      remaining -= size;
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const r of results) {
        if (r.status === 'fulfilled') this.#events.record(asObject, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name ?? ''}`);
      }
      if (failures.length > 0) {
        // The pods that were not created will never be observed; nor will the ones skipped.
        for (let i = 0; i < failures.length + remaining; i++) this.#expectations.creationObserved(key);
        const reason = failures[0]?.reason as { body?: unknown; message?: string } | undefined;
        const text = typeof reason?.body === 'string' ? reason.body : reason?.message ?? String(reason);
        this.#events.record(asObject, 'Warning', 'FailedCreate', `Error creating: ${text}`);
        throw new Error(`ReplicaSet ${key}: ${failures.length} pod creations failed`, { cause: failures[0]?.reason });
      }
    }
    this.#logger.info('created pods', { replicaset: key, count });
  }

  async #deletePods(rs: V1ReplicaSet, key: string, pods: readonly V1Pod[]): Promise<void> {
    const namespace = rs.metadata?.namespace ?? 'default';
    const podKeys = pods.map((p) => keyOf(namespace, p.metadata?.name));
    this.#expectations.expectDeletions(key, podKeys);
    const asObject = { ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' };
    await Promise.all(pods.map(async (pod, i) => {
      const name = pod.metadata?.name ?? '';
      try {
        await ignoreStatus(this.#core.deleteNamespacedPod({ name, namespace }), 404);
        this.#events.record(asObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        this.#expectations.deletionObserved(key, podKeys[i] ?? '');
        this.#events.record(asObject, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    }));
    this.#logger.info('deleted pods', { replicaset: key, pods: pods.map((p) => p.metadata?.name) });
  }

  async #setOwner(rs: V1ReplicaSet, pod: V1Pod, adopt: boolean): Promise<void> {
    const others = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata?.uid);
    const ownerReferences = adopt ? [...others, controllerReference(rs, 'apps/v1', 'ReplicaSet')] : others;
    await ignoreStatus(this.#core.patchNamespacedPod({
      name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default',
      body: { metadata: { ownerReferences, uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion } },
    }, merge), 404, 409);
  }

  async #writeStatus(rs: V1ReplicaSet, status: ReplicaSetStatusJson): Promise<void> {
    // Zero counts are omitted by the Go types (omitempty): null removes them in a merge patch.
    const body = { status: Object.fromEntries(Object.entries(status).map(([k, v]) => [k, v === 0 && k !== 'replicas' ? null : v])) };
    await ignoreStatus(this.#apps.patchNamespacedReplicaSetStatus({ name: rs.metadata?.name ?? '', namespace: rs.metadata?.namespace ?? 'default', body }, merge), 404);
  }
}
