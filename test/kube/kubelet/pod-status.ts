// The pod's status as the kubelet reports it, computed from its containers: phase, the four
// standard conditions (with transition times kept by the caller), addresses, QoS class.
import type { V1Pod } from '@kubernetes/client-node';
import { toKubeTime } from './container-state.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerSummary {
  readonly started: boolean;
  readonly ready: boolean;
  readonly done: boolean;
  readonly running: boolean;
  /** Exit code of the last run, when it ended. */
  readonly exitCode: number | undefined;
}

export interface PodObservation {
  init: readonly ContainerSummary[];
  main: readonly ContainerSummary[];
  /** Set when the pod could not be set up (bad config, image unknown): kept Pending with this reason. */
  setupError?: string;
}

/** Pending until every init container succeeded and a main container ran; Succeeded/Failed once all are done. */
export function decidePhase(o: PodObservation): PodPhase {
  if (o.init.some((c) => c.done && c.exitCode !== 0)) return 'Failed';
  if (o.setupError || !o.init.every((c) => c.done) || o.main.length === 0) return 'Pending';
  if (o.main.every((c) => c.done)) return o.main.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
  if (o.main.every((c) => !c.running && !c.done && c.exitCode === undefined)) return 'Pending';
  return 'Running';
}

export function decideConditions(o: PodObservation, phase: PodPhase): Record<'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready', boolean> {
  const initialized = o.init.every((c) => c.done && c.exitCode === 0);
  const containersReady = initialized && o.main.length > 0 && o.main.every((c) => c.ready);
  return { PodScheduled: true, Initialized: initialized, ContainersReady: containersReady, Ready: containersReady && phase === 'Running' };
}

/** Guaranteed when every container's limits equal its requests for cpu and memory; BestEffort with none at all. */
export function decideQosClass(pod: V1Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = pod.spec?.containers ?? [];
  const any = containers.some((c) => Object.keys(c.resources?.limits ?? {}).length + Object.keys(c.resources?.requests ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = containers.every((c) => ['cpu', 'memory'].every((r) => {
    const limit = c.resources?.limits?.[r];
    const request = c.resources?.requests?.[r] ?? limit;
    return limit !== undefined && String(limit) === String(request);
  }));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Remembers when each condition last changed, as the kubelet does. */
export class ConditionClock {
  readonly #since = new Map<string, { status: boolean; at: Date }>();

  conditions(values: Record<string, boolean>, now: Date): Array<Record<string, unknown>> {
    return Object.entries(values).map(([type, status]) => {
      const prev = this.#since.get(type);
      if (!prev || prev.status !== status) this.#since.set(type, { status, at: now });
      const at = (this.#since.get(type) as { at: Date }).at;
      const reason = status ? undefined : type === 'Initialized' ? 'ContainersNotInitialized' : type === 'PodScheduled' ? 'Unschedulable' : 'ContainersNotReady';
      return { type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: toKubeTime(at), ...(reason ? { reason } : {}) };
    });
  }
}
