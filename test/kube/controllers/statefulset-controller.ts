// The StatefulSet controller (kube-controller-manager's), talking to the API only through REST:
// informers on StatefulSets and Pods, pod creates/deletes from the pure decisions, status writes.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod, type V1PodTemplateSpec, type V1StatefulSet } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/log/logger.js';
import { ignoreStatus } from './api-errors.js';
import { createEventRecorder, type EventRecorder } from './event-recorder.js';
import { isAvailable, isRunningAndReady } from './pod-health.js';
import { computeStatefulSetStatus, decideStatefulSetActions, type StatefulSetAction } from './statefulset-decisions.js';
import { buildStatefulSetPod, isOwnedBy } from './statefulset-pod.js';
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
  /**
   * Pod templates by revision name. Kubernetes keeps them in ControllerRevisions; the emulator's
   * API has none, so they live here (a restarted controller recreates pods below the partition
   * from the update revision when it never saw the current one).
   */
  readonly #templates = new Map<string, V1PodTemplateSpec>();
  #sets: WatchedCache<V1StatefulSet> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;

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
    for (const set of controller.#sets.list()) controller.#queue.add(`${set.metadata?.namespace ?? 'default'}/${set.metadata?.name ?? ''}`);
    return controller;
  }

  /** Resolves when no sync is queued or running (tests use it to observe a settled state). */
  async idle(): Promise<void> { await this.#queue.idle(); }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#sets?.close();
    await this.#pods?.close();
  }

  async #sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const set = this.#sets?.get(name, namespace);
    // A deleted set's pods go with it: the API's garbage collector follows their owner references.
    if (!set) return;
    const pods = (this.#pods?.list(namespace) ?? []).filter((p) => isOwnedBy(set, p));
    const updateRevision = revisionName(set);
    this.#templates.set(updateRevision, set.spec?.template ?? {});
    const currentRevision = set.status?.currentRevision && this.#templates.has(set.status.currentRevision) ? set.status.currentRevision : updateRevision;
    const observation = { set, pods, currentRevision, updateRevision };
    for (const action of decideStatefulSetActions(observation)) await this.#apply(set, action, currentRevision, updateRevision);
    await this.#writeStatus(set, computeStatefulSetStatus(observation, this.#now()));
    // Availability after minReadySeconds is a matter of time, not of an event: look again then.
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && pods.some((p) => isRunningAndReady(p) && !isAvailable(p, minReady, this.#now()))) this.#queue.addAfter(key, 1000);
  }

  async #apply(set: V1StatefulSet, action: StatefulSetAction, currentRevision: string, updateRevision: string): Promise<void> {
    const namespace = set.metadata?.namespace ?? 'default';
    if (action.type === 'create') {
      const revision = action.revision === 'current' ? currentRevision : updateRevision;
      const template = this.#templates.get(revision) ?? set.spec?.template ?? {};
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
