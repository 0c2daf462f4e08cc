// What a StatefulSet controller does next, as a pure function of the set and its pods, after
// Kubernetes' StatefulSet control loop: create missing ordinals, replace finished pods, scale down
// from the highest ordinal, then roll pods to the update revision from the highest ordinal down to
// the partition. OrderedReady ("monotonic") does one step at a time and waits for health.
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { isAvailable, isFinished, isHealthy, isRunningAndReady, isTerminating } from './pod-health.js';
import { ordinalOf, revisionOf } from './statefulset-pod.js';

export type StatefulSetAction =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; name: string; reason: 'scale-down' | 'update' | 'finished' };

export interface StatefulSetObservation {
  set: V1StatefulSet;
  /** Pods this set controls. */
  pods: readonly V1Pod[];
  currentRevision: string;
  updateRevision: string;
}

function partitionOf(set: V1StatefulSet): number {
  const strategy = set.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return 0;
  return strategy?.rollingUpdate?.partition ?? 0;
}

/** Which revision a newly created pod at `ordinal` gets [newVersionedStatefulSetPod]. */
export function revisionForNewPod(set: V1StatefulSet, ordinal: number): 'current' | 'update' {
  const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  return rolling && ordinal < partitionOf(set) ? 'current' : 'update';
}

export function decideStatefulSetActions(o: StatefulSetObservation): StatefulSetAction[] {
  const { set } = o;
  if (set.metadata?.deletionTimestamp) return [];
  const replicas = set.spec?.replicas ?? 1;
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const byOrdinal = new Map<number, V1Pod>();
  for (const pod of o.pods) {
    const ordinal = ordinalOf(set, pod);
    if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
  }
  const actions: StatefulSetAction[] = [];

  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) {
      actions.push({ type: 'create', ordinal, revision: revisionForNewPod(set, ordinal) });
      if (monotonic) return actions;
      continue;
    }
    if (isFinished(pod) && !isTerminating(pod)) {
      // A pod that ran to completion is replaced: a StatefulSet's pods always run.
      actions.push({ type: 'delete', name: pod.metadata?.name ?? '', reason: 'finished' });
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && !isHealthy(pod)) return actions;
  }
  if (!monotonic && actions.length > 0) return actions;

  const condemned = [...byOrdinal.entries()].filter(([ordinal]) => ordinal >= replicas).sort(([a], [b]) => b - a);
  const firstUnhealthy = [...[...byOrdinal.entries()].filter(([n]) => n < replicas).sort(([a], [b]) => a - b), ...condemned]
    .map(([, pod]) => pod).find((pod) => !isHealthy(pod));
  for (const [, pod] of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return actions;
      continue;
    }
    // OrderedReady scales down one pod at a time (every remaining replica is healthy by now); an
    // unhealthy condemned pod waits unless it is the first unhealthy one.
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return actions;
    actions.push({ type: 'delete', name: pod.metadata?.name ?? '', reason: 'scale-down' });
    if (monotonic) return actions;
  }
  if (actions.length > 0) return actions;

  if (set.spec?.updateStrategy?.type === 'OnDelete') return actions;
  // Rolling update: highest ordinal first, down to the partition, one pod at a time, each
  // replaced pod healthy before the next goes.
  for (let ordinal = replicas - 1; ordinal >= partitionOf(set); ordinal--) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) return actions;
    if (revisionOf(pod) !== o.updateRevision && !isTerminating(pod)) {
      actions.push({ type: 'delete', name: pod.metadata?.name ?? '', reason: 'update' });
      return actions;
    }
    if (!isHealthy(pod)) return actions;
  }
  return actions;
}

export interface StatefulSetStatusJson {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

/** The status the controller writes; the current revision becomes the update revision once every pod runs it ready. */
export function computeStatefulSetStatus(o: StatefulSetObservation, now: number): StatefulSetStatusJson {
  const minReadySeconds = o.set.spec?.minReadySeconds ?? 0;
  // A pod counts once the kubelet has reported a phase [isCreated]; terminating ones no longer do.
  const created = o.pods.filter((p) => p.status?.phase !== undefined && !isTerminating(p));
  const status: StatefulSetStatusJson = {
    observedGeneration: o.set.metadata?.generation ?? 0,
    replicas: created.length,
    readyReplicas: created.filter(isRunningAndReady).length,
    availableReplicas: created.filter((p) => isAvailable(p, minReadySeconds, now)).length,
    currentReplicas: created.filter((p) => revisionOf(p) === o.currentRevision).length,
    updatedReplicas: created.filter((p) => revisionOf(p) === o.updateRevision).length,
    currentRevision: o.currentRevision,
    updateRevision: o.updateRevision,
    collisionCount: o.set.status?.collisionCount ?? 0,
  };
  const replicas = o.set.spec?.replicas ?? 1;
  if (status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentRevision = o.updateRevision;
    status.currentReplicas = status.updatedReplicas;
  }
  return status;
}
