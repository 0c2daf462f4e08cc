// What the operator learnt from each broker pod this reconcile: its cluster view (and drain
// progress when it matters), or why it could not be read. Decisions never guess about a pod
// whose view is missing.
import type { ClusterView } from '../../broker/contract/cluster-view.js';
import type { PodFacts } from './pod-facts.js';

export type DrainState = 'serving' | 'draining' | 'drained';

export interface DrainProgress {
  readonly state: DrainState;
  readonly sessionsTotal?: number;
  readonly sessionsHandedOver?: number;
  readonly sessionsFailed?: number;
}

export type BrokerObservation =
  | { readonly pod: PodFacts; readonly ok: true; readonly view: ClusterView; readonly drain?: DrainProgress }
  | { readonly pod: PodFacts; readonly ok: false; readonly error: string };

export type Observations = ReadonlyMap<string, BrokerObservation>;

/** The observation of a readable pod, or undefined. */
export function readableView(observations: Observations, pod: string): ClusterView | undefined {
  const o = observations.get(pod);
  return o?.ok === true ? o.view : undefined;
}
