// What the decisions need to know of a broker pod, read once from the V1Pod: its ordinal (the
// StatefulSet identity), readiness, whether it is going away, its revision and its address.
import type { V1Pod } from '@kubernetes/client-node';

export interface PodFacts {
  readonly name: string;
  readonly uid: string;
  readonly ordinal: number;
  /** Pod IP, once the kubelet reported one. */
  readonly ip: string | undefined;
  readonly phase: string;
  /** The Ready condition is True. */
  readonly ready: boolean;
  /** Being deleted (deletionTimestamp set): it will not serve much longer. */
  readonly terminating: boolean;
  /** The StatefulSet revision it runs (controller-revision-hash label). */
  readonly revision: string | undefined;
  /** When it started, ms since the epoch (for "the oldest node"). */
  readonly startedAt: number | undefined;
}

export const REVISION_LABEL = 'controller-revision-hash';

/** The ordinal of `<set>-<n>`, or undefined for a name that is not one of the set's pods. */
export function podOrdinal(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export function readPodFacts(setName: string, pod: V1Pod): PodFacts | undefined {
  const name = pod.metadata?.name;
  if (name === undefined) return undefined;
  const ordinal = podOrdinal(setName, name);
  if (ordinal === undefined) return undefined;
  const started = pod.status?.startTime;
  return {
    name, ordinal,
    uid: pod.metadata?.uid ?? '',
    ip: pod.status?.podIP || undefined,
    phase: pod.status?.phase ?? 'Pending',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    revision: pod.metadata?.labels?.[REVISION_LABEL],
    startedAt: started === undefined ? undefined : new Date(started).getTime(),
  };
}

/** The pods of the set, ordered by ordinal. */
export function readAllPodFacts(setName: string, pods: readonly V1Pod[]): PodFacts[] {
  return pods.map((p) => readPodFacts(setName, p)).filter((p): p is PodFacts => p !== undefined).sort((a, b) => a.ordinal - b.ordinal);
}

/** The pod a broker node name belongs to: node names are `<pod>.<headless service>.<ns>.svc.<domain>`. */
export function podOfNode(nodeName: string): string {
  const dot = nodeName.indexOf('.');
  return dot === -1 ? nodeName : nodeName.slice(0, dot);
}
