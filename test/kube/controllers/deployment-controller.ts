// The Deployment controller (kube-controller-manager's), talking to the API only through REST:
// informers on Deployments, ReplicaSets and Pods; each sync runs the pure plan of
// deployment-rollout.ts (create, resize, trim ReplicaSets), then writes the revision and status.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import { ignoreStatus, statusCodeOf } from './api-errors.js';
import { equalIgnoringHash, REVISION_ANNOTATION, splitReplicaSets } from './deployment-replica-sets.js';
import { planDeploymentSync, type RolloutAction, type RolloutPlan } from './deployment-rollout.js';
import { calculateStatus, conditionsOf, newCondition, pausedConditions, REASON, rolloutStatus, sameStatus, setCondition, statusBody, type DeploymentConditionJson, type DeploymentStatusJson } from './deployment-status.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { claimObjects, controllerRefOf, controllerReference, matchesSelector } from './owner-claims.js';
import { WatchedCache } from './watched-cache.js';
import { WorkQueue } from './work-queue.js';

export interface DeploymentControllerOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  now?: () => number;
}

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? 'default'}/${name ?? ''}`;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const hasDeadline = (d: V1Deployment): boolean => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;

export class DeploymentController {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #events: EventRecorder;
  readonly #queue: WorkQueue;
  #deployments: WatchedCache<V1Deployment> | undefined;
  #sets: WatchedCache<V1ReplicaSet> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;

  private constructor(options: DeploymentControllerOptions) {
    this.#apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#logger = options.logger.child({ component: 'deployment-controller' });
    this.#now = options.now ?? Date.now;
    this.#events = createEventRecorder(options.kubeConfig, { component: 'deployment-controller' }, this.#logger);
    this.#queue = new WorkQueue((key) => this.#sync(key), this.#logger);
  }

  static async start(options: DeploymentControllerOptions): Promise<DeploymentController> {
    const c = new DeploymentController(options);
    const { kubeConfig } = options;
    c.#deployments = await WatchedCache.start<V1Deployment>({
      kubeConfig, logger: c.#logger, path: '/apis/apps/v1/deployments',
      list: () => c.#apps.listDeploymentForAllNamespaces(),
      onChange: (d) => c.#queue.add(keyOf(d.metadata?.namespace, d.metadata?.name)),
    });
    c.#sets = await WatchedCache.start<V1ReplicaSet>({
      kubeConfig, logger: c.#logger, path: '/apis/apps/v1/replicasets',
      list: () => c.#apps.listReplicaSetForAllNamespaces(),
      onChange: (rs) => c.#enqueueOwnerOf(rs),
    });
    // Recreate waits for the old pods to be gone: their deletion is what moves it on.
    c.#pods = await WatchedCache.start<V1Pod>({
      kubeConfig, logger: c.#logger, path: '/api/v1/pods',
      list: () => c.#core.listPodForAllNamespaces(),
      onChange: (pod, verb) => {
        if (verb === 'add') return;
        const ref = controllerRefOf(pod);
        const rs = ref?.kind === 'ReplicaSet' ? c.#sets?.get(ref.name, pod.metadata?.namespace) : undefined;
        if (rs) c.#enqueueOwnerOf(rs);
      },
    });
    for (const d of c.#deployments.list()) c.#queue.add(keyOf(d.metadata?.namespace, d.metadata?.name));
    return c;
  }

  async idle(): Promise<void> { await this.#queue.idle(); }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#deployments?.close();
    await this.#sets?.close();
    await this.#pods?.close();
  }

  #enqueueOwnerOf(rs: V1ReplicaSet): void {
    const namespace = rs.metadata?.namespace;
    const ref = controllerRefOf(rs);
    if (ref) {
      if (ref.kind === 'Deployment') this.#queue.add(keyOf(namespace, ref.name));
      return;
    }
    for (const d of this.#deployments?.list(namespace) ?? []) {
      if (matchesSelector(d.spec?.selector, rs.metadata?.labels)) this.#queue.add(keyOf(namespace, d.metadata?.name));
    }
  }

  async #sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const d = this.#deployments?.get(name, namespace);
    if (!d) return;
    const now = this.#now();
    const claims = claimObjects(d, d.spec?.selector, this.#sets?.list(namespace) ?? []);
    for (const rs of claims.adopt) await this.#setOwner(d, rs, true);
    for (const rs of claims.release) await this.#setOwner(d, rs, false);
    let conditions = conditionsOf(d.status);
    if (d.metadata?.deletionTimestamp) {
      await this.#writeStatus(d, calculateStatus(d, claims.owned, splitReplicaSets(d, claims.owned).newRS, conditions, now));
      return;
    }
    conditions = pausedConditions(d, conditions, now);
    const pods = this.#pods?.list(namespace) ?? [];
    const plan = planDeploymentSync(d, claims.owned, (rs) => pods.filter((p) => controllerRefOf(p)?.uid === rs.metadata?.uid));
    for (const action of plan.actions) {
      const done = await this.#apply(d, action);
      if (done === 'collision') return;
    }
    conditions = this.#newReplicaSetConditions(d, plan, conditions, now);
    if (plan.revision !== undefined) {
      await ignoreStatus(this.#apps.patchNamespacedDeployment({ name, namespace, body: { metadata: { annotations: { [REVISION_ANNOTATION]: plan.revision } } } }, merge), 404);
    }
    if (plan.kind === 'scale') {
      await this.#writeStatus(d, calculateStatus(d, plan.allRSs, plan.newRS, conditions, now));
      return;
    }
    const { status, requeueAfterMs } = rolloutStatus(d, plan.allRSs, plan.newRS, conditions, now);
    await this.#writeStatus(d, status);
    // A rollout that stops moving times out progressDeadlineSeconds after its last progress [requeueStuckDeployment].
    if (requeueAfterMs !== undefined) this.#queue.addAfter(key, requeueAfterMs);
  }

  /** Progressing says a ReplicaSet was created, or found when nothing said so before [getNewReplicaSet]. */
  #newReplicaSetConditions(d: V1Deployment, plan: RolloutPlan, conditions: DeploymentConditionJson[], now: number): DeploymentConditionJson[] {
    if (!hasDeadline(d) || !plan.newRS) return conditions;
    const rsName = plan.newRS.metadata?.name ?? '';
    if (plan.createdNewRS) return setCondition(conditions, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${rsName}"`, now));
    if (!conditions.some((c) => c.type === 'Progressing')) return setCondition(conditions, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${rsName}"`, now));
    return conditions;
  }

  async #apply(d: V1Deployment, action: RolloutAction): Promise<'ok' | 'collision'> {
    const namespace = d.metadata?.namespace ?? 'default';
    const asObject = { ...d, apiVersion: 'apps/v1', kind: 'Deployment' };
    switch (action.type) {
      case 'create': {
        const rsName = action.rs.metadata?.name ?? '';
        try {
          await this.#apps.createNamespacedReplicaSet({ namespace, body: action.rs });
        } catch (err) {
          if (statusCodeOf(err) !== 409) throw err;
          // Ours from an earlier sync, or another template hashed to the same name: count the collision [getNewReplicaSet].
          const existing = await this.#apps.readNamespacedReplicaSet({ name: rsName, namespace });
          if (equalIgnoringHash(existing.spec?.template, d.spec?.template)) return 'ok';
          const collisionCount = (d.status?.collisionCount ?? 0) + 1;
          this.#logger.warn('pod template hash collision', { deployment: d.metadata?.name, replicaset: rsName, collisionCount });
          await this.#apps.patchNamespacedDeploymentStatus({ name: d.metadata?.name ?? '', namespace, body: { status: { collisionCount } } }, merge);
          return 'collision';
        }
        const replicas = action.rs.spec?.replicas ?? 0;
        if (replicas > 0) this.#events.record(asObject, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`);
        this.#logger.info('created replicaset', { deployment: d.metadata?.name, replicaset: rsName, replicas });
        return 'ok';
      }
      case 'update': {
        const meta = action.rs.metadata ?? {};
        // The cached resourceVersion is a precondition: a stale view conflicts and the sync runs again.
        const body = { metadata: { resourceVersion: meta.resourceVersion, annotations: meta.annotations }, spec: { replicas: action.rs.spec?.replicas, minReadySeconds: action.rs.spec?.minReadySeconds } };
        await this.#apps.patchNamespacedReplicaSet({ name: meta.name ?? '', namespace, body }, merge);
        if (action.from !== undefined && action.to !== undefined && action.from !== action.to) {
          const op = action.to > action.from ? 'up' : 'down';
          this.#events.record(asObject, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${meta.name ?? ''} from ${action.from} to ${action.to}`);
        }
        return 'ok';
      }
      case 'delete':
        await ignoreStatus(this.#apps.deleteNamespacedReplicaSet({ name: action.name, namespace }), 404);
        this.#logger.info('deleted old replicaset', { deployment: d.metadata?.name, replicaset: action.name });
        return 'ok';
    }
  }

  async #setOwner(d: V1Deployment, rs: V1ReplicaSet, adopt: boolean): Promise<void> {
    const others = (rs.metadata?.ownerReferences ?? []).filter((r) => r.uid !== d.metadata?.uid);
    const ownerReferences = adopt ? [...others, controllerReference(d, 'apps/v1', 'Deployment')] : others;
    await ignoreStatus(this.#apps.patchNamespacedReplicaSet({
      name: rs.metadata?.name ?? '', namespace: rs.metadata?.namespace ?? 'default',
      body: { metadata: { ownerReferences, resourceVersion: rs.metadata?.resourceVersion } },
    }, merge), 404, 409);
  }

  async #writeStatus(d: V1Deployment, status: DeploymentStatusJson): Promise<void> {
    if (sameStatus(d.status, status)) return;
    await ignoreStatus(this.#apps.patchNamespacedDeploymentStatus(
      { name: d.metadata?.name ?? '', namespace: d.metadata?.namespace ?? 'default', body: { status: statusBody(status) } }, merge,
    ), 404);
  }
}
