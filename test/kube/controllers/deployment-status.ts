// A Deployment's status and its Available and Progressing conditions, as the deployment
// controller computes them [sync.go calculateStatus, progress.go syncRolloutStatus]: what `kubectl
// rollout status`, `helm install --wait` (kstatus) and `kubectl describe deploy` read.
import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus, V1ReplicaSet } from '@kubernetes/client-node';
import { isDeploymentComplete, maxUnavailableOf } from './deployment-rollout.js';

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  rsUpdated: 'ReplicaSetUpdated',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** A condition as the API stores it (times as RFC 3339 text, second precision). */
export interface DeploymentConditionJson {
  type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastUpdateTime: string; lastTransitionTime: string;
}

export interface DeploymentStatusJson {
  observedGeneration: number; replicas: number; updatedReplicas: number; readyReplicas: number; availableReplicas: number;
  unavailableReplicas: number; conditions: DeploymentConditionJson[]; collisionCount?: number;
}

export const kubeTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const timeText = (t: unknown): string => (t instanceof Date ? kubeTime(t.getTime()) : String(t ?? ''));

export function conditionsOf(status: V1DeploymentStatus | undefined): DeploymentConditionJson[] {
  return (status?.conditions ?? []).map((c: V1DeploymentCondition) => ({
    type: c.type, status: c.status as DeploymentConditionJson['status'], reason: c.reason ?? '', message: c.message ?? '',
    lastUpdateTime: timeText(c.lastUpdateTime), lastTransitionTime: timeText(c.lastTransitionTime),
  }));
}

export function newCondition(type: string, status: DeploymentConditionJson['status'], reason: string, message: string, now: number): DeploymentConditionJson {
  return { type, status, reason, message, lastUpdateTime: kubeTime(now), lastTransitionTime: kubeTime(now) };
}

/** [SetDeploymentCondition]: same status and reason changes nothing; same status keeps the transition time. */
export function setCondition(conditions: DeploymentConditionJson[], c: DeploymentConditionJson): DeploymentConditionJson[] {
  const current = conditions.find((x) => x.type === c.type);
  if (current && current.status === c.status && current.reason === c.reason) return conditions;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  return [...conditions.filter((x) => x.type !== c.type), next];
}

const sum = (sets: readonly V1ReplicaSet[], f: (rs: V1ReplicaSet) => number): number => sets.reduce((n, rs) => n + f(rs), 0);

/** [calculateStatus]: counts over every ReplicaSet, and Available from maxUnavailable. */
export function calculateStatus(d: V1Deployment, allRSs: readonly V1ReplicaSet[], newRS: V1ReplicaSet | undefined, conditions: DeploymentConditionJson[], now: number): DeploymentStatusJson {
  const available = sum(allRSs, (rs) => rs.status?.availableReplicas ?? 0);
  const total = sum(allRSs, (rs) => rs.spec?.replicas ?? 0);
  const minimum = (d.spec?.replicas ?? 1) - maxUnavailableOf(d);
  const availability = available >= minimum
    ? newCondition('Available', 'True', REASON.minimumAvailable, 'Deployment has minimum availability.', now)
    : newCondition('Available', 'False', REASON.minimumUnavailable, 'Deployment does not have minimum availability.', now);
  return {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sum(allRSs, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: setCondition(conditions, availability),
    ...(d.status?.collisionCount === undefined || d.status.collisionCount === null ? {} : { collisionCount: d.status.collisionCount }),
  };
}

const hasDeadline = (d: V1Deployment): boolean => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== null && d.spec.progressDeadlineSeconds !== 2147483647;

/** [DeploymentProgressing]: more pods updated, fewer old ones, more ready or available than before. */
function isProgressing(d: V1Deployment, next: DeploymentStatusJson): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  return next.updatedReplicas > (old.updatedReplicas ?? 0) || next.replicas - next.updatedReplicas < oldOld
    || next.readyReplicas > (old.readyReplicas ?? 0) || next.availableReplicas > (old.availableReplicas ?? 0);
}

function deadlineOf(d: V1Deployment, conditions: readonly DeploymentConditionJson[]): number | undefined {
  const c = conditions.find((x) => x.type === 'Progressing');
  if (!hasDeadline(d) || !c || c.reason === REASON.newRSAvailable || c.reason === REASON.timedOut) return undefined;
  return new Date(c.lastUpdateTime).getTime() + (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
}

/**
 * [syncRolloutStatus]: the status after a rollout step, Progressing updated (complete, progressing,
 * or timed out past progressDeadlineSeconds); `requeueAfterMs` when the deadline is still ahead.
 */
export function rolloutStatus(d: V1Deployment, allRSs: readonly V1ReplicaSet[], newRS: V1ReplicaSet | undefined, conditions: DeploymentConditionJson[], now: number): { status: DeploymentStatusJson; requeueAfterMs?: number } {
  const status = calculateStatus(d, allRSs, newRS, conditions, now);
  if (!hasDeadline(d)) status.conditions = status.conditions.filter((c) => c.type !== 'Progressing');
  // `conditions` are the stored ones plus what this sync set (a new ReplicaSet created or found).
  const current = conditions.find((c) => c.type === 'Progressing');
  const completeBefore = status.replicas === status.updatedReplicas && current?.reason === REASON.newRSAvailable;
  const rsName = newRS?.metadata?.name;
  if (hasDeadline(d) && !completeBefore) {
    if (isDeploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name ?? ''}" has successfully progressed.`;
      status.conditions = setCondition(status.conditions, newCondition('Progressing', 'True', REASON.newRSAvailable, msg, now));
    } else if (isProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name ?? ''}" is progressing.`;
      const c = newCondition('Progressing', 'True', REASON.rsUpdated, msg, now);
      const existing = status.conditions.find((x) => x.type === 'Progressing');
      // Progress moves lastUpdateTime even when the reason stays [the special case in syncRolloutStatus].
      if (existing?.status === 'True') c.lastTransitionTime = existing.lastTransitionTime;
      status.conditions = [...status.conditions.filter((x) => x.type !== 'Progressing'), c];
    } else {
      const deadline = deadlineOf(d, status.conditions);
      if (deadline !== undefined && deadline < now) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name ?? ''}" has timed out progressing.`;
        status.conditions = setCondition(status.conditions, newCondition('Progressing', 'False', REASON.timedOut, msg, now));
      }
    }
  }
  const deadline = isDeploymentComplete(d, status) ? undefined : deadlineOf(d, status.conditions);
  return { status, ...(deadline !== undefined && deadline >= now ? { requeueAfterMs: deadline - now + 1000 } : {}) };
}

/** [checkPausedConditions]: Progressing Unknown while paused, "resumed" after; a timeout is never overwritten. */
export function pausedConditions(d: V1Deployment, conditions: DeploymentConditionJson[], now: number): DeploymentConditionJson[] {
  if (!hasDeadline(d)) return conditions;
  const c = conditions.find((x) => x.type === 'Progressing');
  if (c?.reason === REASON.timedOut) return conditions;
  const pausedShown = c?.reason === REASON.paused;
  if (d.spec?.paused && !pausedShown) return setCondition(conditions, newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', now));
  if (!d.spec?.paused && pausedShown) return setCondition(conditions, newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', now));
  return conditions;
}

/** The status as stored: zero counts omitted, as the Go types serialise them. */
export function statusBody(status: DeploymentStatusJson): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).map(([k, v]) => [k, v === 0 && k !== 'observedGeneration' ? null : v]));
}

/** True when the stored status says the same (zero and absent alike). */
export function sameStatus(stored: V1DeploymentStatus | undefined, next: DeploymentStatusJson): boolean {
  const s = stored ?? {};
  const counts = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;
  if (counts.some((k) => (s[k] ?? 0) !== next[k])) return false;
  if ((s.collisionCount ?? undefined) !== next.collisionCount) return false;
  return JSON.stringify(conditionsOf(s)) === JSON.stringify(next.conditions);
}
