// Scale-down without losing sessions (what emqx-operator #629/#1021 got wrong): the pods that will
// go (the highest ordinals) are drained first, handing their sessions to the pods that stay;
// only then is the StatefulSet lowered. Pure: the reconciler does what it says.
import type { Observations } from './broker-observation.js';
import type { PodFacts } from './pod-facts.js';

export interface ScaleDownInput {
  readonly desiredReplicas: number;
  /** spec.replicas of the live StatefulSet; undefined before it exists. */
  readonly currentReplicas: number | undefined;
  readonly pods: readonly PodFacts[];
  readonly observations: Observations;
}

export type ScaleDownDecision =
  /** Nothing leaving: write the desired count (scale-up or steady). */
  | { readonly kind: 'steady'; readonly replicas: number }
  /** Start draining these pods (exclude: every leaving node, so none hands sessions to another leaver). */
  | { readonly kind: 'drain'; readonly replicas: number; readonly pods: readonly string[]; readonly exclude: readonly string[] }
  /** Drains under way: keep the current count and look again soon. */
  | { readonly kind: 'wait'; readonly replicas: number; readonly draining: readonly string[] }
  /** Every leaving pod is drained or gone: lower the StatefulSet. */
  | { readonly kind: 'lower'; readonly replicas: number; readonly from: number };

export function decideScaleDown(input: ScaleDownInput): ScaleDownDecision {
  const { desiredReplicas, currentReplicas } = input;
  if (currentReplicas === undefined || desiredReplicas >= currentReplicas) return { kind: 'steady', replicas: desiredReplicas };
  const leaving = input.pods.filter((p) => p.ordinal >= desiredReplicas && p.ordinal < currentReplicas);
  const exclude: string[] = [];
  for (const pod of leaving) {
    const o = input.observations.get(pod.name);
    if (o?.ok === true) exclude.push(o.view.node);
  }
  const toDrain: string[] = [];
  const draining: string[] = [];
  for (const pod of leaving) {
    // A pod that is already going, or not running, has nothing to hand over that a drain could save.
    if (pod.terminating || pod.phase !== 'Running') continue;
    const o = input.observations.get(pod.name);
    if (o === undefined || !o.ok) continue;
    const state = o.drain?.state ?? 'serving';
    if (state === 'serving') toDrain.push(pod.name);
    else if (state === 'draining') draining.push(pod.name);
  }
  if (toDrain.length > 0) return { kind: 'drain', replicas: currentReplicas, pods: toDrain, exclude };
  if (draining.length > 0) return { kind: 'wait', replicas: currentReplicas, draining };
  return { kind: 'lower', replicas: desiredReplicas, from: currentReplicas };
}
