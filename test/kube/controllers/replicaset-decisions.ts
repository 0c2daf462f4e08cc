// What the ReplicaSet controller does next, as pure functions after kube-controller-manager's
// replica_set.go: how many pods to create or which to delete (ActivePodsWithRanks order), and
// the status it reports (replicas, fullyLabeled, ready, available, observedGeneration).
import type { V1Pod, V1ReplicaSet, V1ReplicaSetStatus } from '@kubernetes/client-node';
import { isFinished, isTerminating } from './pod-health.js';

/** The most pods one sync creates or deletes [burstReplicas]. */
export const BURST_REPLICAS = 500;
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** Pods that count: neither finished nor being deleted [controller.FilterActivePods]. */
export function isActivePod(pod: V1Pod): boolean { return !isFinished(pod) && !isTerminating(pod); }

/** Ready by its condition alone, as podutil.IsPodReady. */
export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function readySince(pod: V1Pod): number | undefined {
  const at = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
  return at === undefined ? undefined : new Date(at).getTime();
}

/** Ready for minReadySeconds at `now` [podutil.IsPodAvailable]. */
export function isPodAvailable(pod: V1Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: V1Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

function deletionCost(pod: V1Pod): number {
  const v = Number(pod.metadata?.annotations?.[DELETION_COST_ANNOTATION] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function created(pod: V1Pod): number | undefined {
  const at = pod.metadata?.creationTimestamp;
  return at === undefined ? undefined : new Date(at).getTime();
}

/** log2 bucket of a duration, as LogarithmicScaleDown compares ready and creation times. */
function bucket(ms: number): number { return ms <= 0 ? 0 : Math.floor(Math.log2(ms / 1000 + 1)); }

/**
 * Negative when `a` should be deleted before `b` [controller.ActivePodsWithRanks.Less]: unassigned
 * before assigned, Pending < Unknown < Running, not ready before ready, lower deletion cost first,
 * pods doubled up on a node first, ready for less time first, more restarts first, newer first.
 */
export function comparePodsForDeletion(a: V1Pod, b: V1Pod, rankOf: (pod: V1Pod) => number, now: number): number {
  const assigned = (p: V1Pod): number => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: V1Pod): number => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: V1Pod): number => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
  if (rankOf(a) !== rankOf(b)) return rankOf(b) - rankOf(a);
  if (isPodReady(a) && isPodReady(b)) {
    const since = (p: V1Pod): number => bucket(now - (readySince(p) ?? now));
    if (since(a) !== since(b)) return since(a) - since(b);
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const age = (p: V1Pod): number => { const c = created(p); return c === undefined ? -1 : bucket(now - c); };
  if (age(a) !== age(b)) return age(a) - age(b);
  return (a.metadata?.uid ?? '').localeCompare(b.metadata?.uid ?? '');
}

export type ReplicaSetAction = { type: 'create'; count: number } | { type: 'delete'; pods: V1Pod[] } | { type: 'none' };

/**
 * Creates the missing pods or deletes the surplus [manageReplicas]. `related` are the active pods
 * of every ReplicaSet of the same Deployment: a pod doubled up on a node with its siblings goes first.
 */
export function decideReplicaSetAction(rs: V1ReplicaSet, activePods: readonly V1Pod[], related: readonly V1Pod[], now: number): ReplicaSetAction {
  if (rs.metadata?.deletionTimestamp) return { type: 'none' };
  const diff = activePods.length - (rs.spec?.replicas ?? 1);
  if (diff < 0) return { type: 'create', count: Math.min(-diff, BURST_REPLICAS) };
  if (diff === 0) return { type: 'none' };
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const rankOf = (p: V1Pod): number => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  const ranked = [...activePods].sort((a, b) => comparePodsForDeletion(a, b, rankOf, now));
  return { type: 'delete', pods: ranked.slice(0, Math.min(diff, BURST_REPLICAS)) };
}

export interface ReplicaSetStatusJson {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration: number;
}

/** The status of a ReplicaSet from its active pods [calculateStatus]. */
export function computeReplicaSetStatus(rs: V1ReplicaSet, activePods: readonly V1Pod[], now: number): ReplicaSetStatusJson {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReady = rs.spec?.minReadySeconds ?? 0;
  return {
    replicas: activePods.length,
    fullyLabeledReplicas: activePods.filter((p) => templateLabels.every(([k, v]) => p.metadata?.labels?.[k] === v)).length,
    readyReplicas: activePods.filter(isPodReady).length,
    availableReplicas: activePods.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
}

/** Whether the stored status already says this (zero counts are omitted on the wire). */
export function replicaSetStatusEquals(current: V1ReplicaSetStatus | undefined, next: ReplicaSetStatusJson): boolean {
  const c = current ?? { replicas: 0 };
  return (c.replicas ?? 0) === next.replicas && (c.fullyLabeledReplicas ?? 0) === next.fullyLabeledReplicas
    && (c.readyReplicas ?? 0) === next.readyReplicas && (c.availableReplicas ?? 0) === next.availableReplicas
    && (c.observedGeneration ?? 0) === next.observedGeneration;
}
