// The StatefulSet controller (kube-controller-manager's), talking to the API only through REST:
// informers on StatefulSets and Pods, pod creates/deletes from the pure decisions, status writes.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ControllerRevision, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import { ignoreStatus } from './api-errors.js';
import { buildControllerRevision, decideRevisionsToDelete, isRevisionOf, nextRevisionNumber, templateOfRevision } from './controller-revision.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { isAvailable, isRunningAndReady } from './pod-health.js';
import { computeStatefulSetStatus, decideStatefulSetActions, type StatefulSetAction } from './statefulset-decisions.js';
import { buildStatefulSetPod, isOwnedBy, revisionOf } from './statefulset-pod.js';
import { revisionName } from './statefulset-revision.js';
import { WatchedCache } from './watched-cache.js';
import { WorkQueue } from './work-queue.js';

export interface StatefulSetControllerOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  now?: () => number;
}

export class StatefulSetController {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #events: EventRecorder;
  readonly #queue: WorkQueue;
  #sets: WatchedCache<V1StatefulSet> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;
  /** Pod templates by revision live in ControllerRevisions, so a restarted controller still knows the current one. */
  #revisions: WatchedCache<V1ControllerRevision> | undefined;

  private constructor(options: StatefulSetControllerOptions) {
    this.#apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#logger = options.logger.child({ component: 'statefulset-controller' });
    this.#now = options.now ?? Date.now;
    this.#events = createEventRecorder(options.kubeConfig, { component: 'statefulset-controller' }, this.#logger);
    this.#queue = new WorkQueue((key) => this.#sync(key), this.#logger);
  }

  static async start(options: StatefulSetControllerOptions): Promise<StatefulSetController> {
    const controller = new StatefulSetController(options);
    const { kubeConfig } = options;
    const logger = controller.#logger;
    controller.#sets = await WatchedCache.start<V1StatefulSet>({
      kubeConfig, logger, path: '/apis/apps/v1/statefulsets',
      list: () => controller.#apps.listStatefulSetForAllNamespaces(),
      onChange: (set) => controller.#queue.add(`${set.metadata?.namespace ?? 'default'}/${set.metadata?.name ?? ''}`),
    });
    controller.#pods = await WatchedCache.start<V1Pod>({
      kubeConfig, logger, path: '/api/v1/pods',
      list: () => controller.#core.listPodForAllNamespaces(),
      onChange: (pod) => {
        const owner = pod.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'StatefulSet');
        if (owner) controller.#queue.add(`${pod.metadata?.namespace ?? 'default'}/${owner.name}`);
      },
    });
    controller.#revisions = await WatchedCache.start<V1ControllerRevision>({
      kubeConfig, logger, path: '/apis/apps/v1/controllerrevisions',
      list: () => controller.#apps.listControllerRevisionForAllNamespaces(),
      onChange: (rev) => {
        const owner = rev.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'StatefulSet');
        if (owner) controller.#queue.add(`${rev.metadata?.namespace ?? 'default'}/${owner.name}`);
      },
    });
    for (const set of controller.#sets.list()) controller.#queue.add(`${set.metadata?.namespace ?? 'default'}/${set.metadata?.name ?? ''}`);
    return controller;
  }

  /** Resolves when no sync is queued or running (tests use it to observe a settled state). */
  async idle(): Promise<void> { await this.#queue.idle(); }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#sets?.close();
    await this.#pods?.close();
    await this.#revisions?.close();
  }

  async #sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const set = this.#sets?.get(name, namespace);
    // A deleted set's pods go with it: the API's garbage collector follows their owner references.
    if (!set) return;
    const pods = (this.#pods?.list(namespace) ?? []).filter((p) => isOwnedBy(set, p));
    const updateRevision = revisionName(set);
    const revisions = await this.#syncRevisions(set, updateRevision);
    const known = set.status?.currentRevision ? revisions.get(set.status.currentRevision) : undefined;
    const currentRevision = known ? set.status?.currentRevision ?? updateRevision : updateRevision;
    const observation = { set, pods, currentRevision, updateRevision };
    for (const action of decideStatefulSetActions(observation)) await this.#apply(set, action, revisions, currentRevision, updateRevision);
    await this.#trimHistory(set, revisions, new Set([currentRevision, updateRevision, ...pods.map((p) => revisionOf(p) ?? '')]));
    await this.#writeStatus(set, computeStatefulSetStatus(observation, this.#now()));
    // Availability after minReadySeconds is a matter of time, not of an event: look again then.
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isRunningAndReady(p) && !isAvailable(p, minReady, this.#now()))) this.#queue.addAfter(key, 1000);
  }

  /**
   * Makes sure the update revision has its ControllerRevision, numbered last (a template used
   * before, as after a rollback, gets the next number again); returns the set's revisions by name.
   */
  async #syncRevisions(set: V1StatefulSet, updateRevision: string): Promise<Map<string, V1ControllerRevision>> {
    const namespace = set.metadata?.namespace ?? 'default';
    const revisions = new Map((this.#revisions?.list(namespace) ?? []).filter((r) => isRevisionOf(set, r)).map((r) => [r.metadata?.name ?? '', r]));
    const next = nextRevisionNumber([...revisions.values()]);
    const existing = revisions.get(updateRevision);
    if (!existing) {
      const created = await ignoreStatus(this.#apps.createNamespacedControllerRevision({ namespace, body: buildControllerRevision(set, updateRevision, next) }), 409);
      if (created) revisions.set(updateRevision, created);
    } else if (existing.revision !== next - 1) {
      const patched = await ignoreStatus(this.#apps.patchNamespacedControllerRevision(
        { name: updateRevision, namespace, body: { revision: next } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ), 404, 409);
      if (patched) revisions.set(updateRevision, patched);
    }
    return revisions;
  }

  async #trimHistory(set: V1StatefulSet, revisions: ReadonlyMap<string, V1ControllerRevision>, live: ReadonlySet<string>): Promise<void> {
    const namespace = set.metadata?.namespace ?? 'default';
    for (const name of decideRevisionsToDelete([...revisions.values()], live, set.spec?.revisionHistoryLimit ?? 10)) {
      await ignoreStatus(this.#apps.deleteNamespacedControllerRevision({ name, namespace }), 404);
    }
  }

  async #apply(set: V1StatefulSet, action: StatefulSetAction, revisions: ReadonlyMap<string, V1ControllerRevision>, currentRevision: string, updateRevision: string): Promise<void> {
    const namespace = set.metadata?.namespace ?? 'default';
    if (action.type === 'create') {
      const revision = action.revision === 'current' ? currentRevision : updateRevision;
      const stored = revisions.get(revision);
      const template = (stored ? templateOfRevision(stored) : undefined) ?? set.spec?.template ?? {};
      const pod = buildStatefulSetPod(set, template, action.ordinal, revision);
      const created = await ignoreStatus(this.#core.createNamespacedPod({ namespace, body: pod }), 409);
      if (created) {
        this.#logger.info('created pod', { statefulset: set.metadata?.name, pod: pod.metadata?.name, revision });
        this.#events.record({ ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' }, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata?.name ?? ''} in StatefulSet ${set.metadata?.name ?? ''} successful`);
      }
      return;
    }
    await ignoreStatus(this.#core.deleteNamespacedPod({ name: action.name, namespace }), 404);
    this.#logger.info('deleted pod', { statefulset: set.metadata?.name, pod: action.name, reason: action.reason });
    this.#events.record({ ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' }, 'Normal', 'SuccessfulDelete', `delete Pod ${action.name} in StatefulSet ${set.metadata?.name ?? ''} successful`);
  }

  async #writeStatus(set: V1StatefulSet, status: ReturnType<typeof computeStatefulSetStatus>): Promise<void> {
    const current = set.status ?? {};
    const unchanged = Object.entries(status).every(([k, v]) => (current as Record<string, unknown>)[k] === v);
    if (unchanged) return;
    await ignoreStatus(this.#apps.patchNamespacedStatefulSetStatus(
      { name: set.metadata?.name ?? '', namespace: set.metadata?.namespace ?? 'default', body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ), 404);
  }
}
