// Pod health as the workload controllers judge it: running and ready, available after
// minReadySeconds, terminating, finished.
import type { V1Pod } from '@kubernetes/client-node';

export function isTerminating(pod: V1Pod): boolean { return pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null; }

export function isFinished(pod: V1Pod): boolean { return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded'; }

function readyCondition(pod: V1Pod) { return pod.status?.conditions?.find((c) => c.type === 'Ready'); }

export function isRunningAndReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && readyCondition(pod)?.status === 'True';
}

/** Running, ready and not terminating: what OrderedReady waits for. */
export function isHealthy(pod: V1Pod): boolean { return isRunningAndReady(pod) && !isTerminating(pod); }

/** Ready for at least `minReadySeconds` at `now` (ms). */
export function isAvailable(pod: V1Pod, minReadySeconds: number, now: number): boolean {
  if (!isRunningAndReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readyCondition(pod)?.lastTransitionTime;
  return since !== undefined && new Date(since).getTime() + minReadySeconds * 1000 <= now;
}
