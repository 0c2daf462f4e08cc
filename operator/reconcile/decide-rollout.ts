// A rolling update one pod at a time, gated on the cluster rather than on readiness alone: the
// StatefulSet's RollingUpdate partition is lowered by one only when every pod already updated is
// Ready and every live broker's view shows it up. The pod being replaced drains on SIGTERM.
import type { Observations } from './broker-observation.js';
import type { PodFacts } from './pod-facts.js';

export interface RolloutInput {
  /** Replicas the StatefulSet will have after this reconcile. */
  readonly replicas: number;
  /** The live StatefulSet's partition and revisions; undefined before it exists. */
  readonly live: { readonly partition: number; readonly updateRevision: string | undefined; readonly templateChanged: boolean } | undefined;
  readonly pods: readonly PodFacts[];
  readonly observations: Observations;
}

export type RolloutDecision =
  | { readonly kind: 'none'; readonly partition: 0 }
  /** A new template: hold every pod on the old one, then release them one by one. */
  | { readonly kind: 'start'; readonly partition: number }
  | { readonly kind: 'wait'; readonly partition: number; readonly reason: string }
  | { readonly kind: 'advance'; readonly partition: number; readonly pod: string };

/** Every readable view of another pod lists `node` as up (and with the incarnation the pod reports itself). */
export function isUpEverywhere(pod: PodFacts, pods: readonly PodFacts[], observations: Observations): boolean {
  const own = observations.get(pod.name);
  if (own === undefined || !own.ok) return false;
  for (const other of pods) {
    if (other.name === pod.name || other.terminating) continue;
    const o = observations.get(other.name);
    if (o === undefined || !o.ok) return false;
    const entry = o.view.nodes.find((n) => n.node === own.view.node);
    if (entry === undefined || entry.state !== 'up' || entry.incarnation !== own.view.incarnation) return false;
  }
  return true;
}

export function decideRollout(input: RolloutInput): RolloutDecision {
  const { live, replicas, pods } = input;
  if (live === undefined) return { kind: 'none', partition: 0 };
  if (live.templateChanged) return { kind: 'start', partition: replicas };
  const partition = Math.min(live.partition, replicas);
  if (partition === 0) return { kind: 'none', partition: 0 };
  const updateRevision = live.updateRevision;
  const inSet = pods.filter((p) => p.ordinal < replicas);
  if (inSet.some((p) => p.terminating)) return { kind: 'wait', partition, reason: 'a pod is terminating' };
  // The pods already released must run the new revision, be Ready and be seen up by everyone.
  for (const pod of inSet.filter((p) => p.ordinal >= partition)) {
    if (updateRevision === undefined || pod.revision !== updateRevision) return { kind: 'wait', partition, reason: `${pod.name} is not updated yet` };
    if (!pod.ready) return { kind: 'wait', partition, reason: `${pod.name} is not Ready` };
    if (!isUpEverywhere(pod, inSet, input.observations)) return { kind: 'wait', partition, reason: `not every broker sees ${pod.name} up yet` };
  }
  const missing = replicas - inSet.length;
  if (missing > 0) return { kind: 'wait', partition, reason: `${missing} pod(s) missing` };
  const next = inSet.find((p) => p.ordinal === partition - 1);
  // Replacing a pod takes it out; do it only while all the others serve (the next one may itself be down: replacing it costs nothing).
  const notReady = inSet.filter((p) => p.ordinal < partition - 1 && !p.ready);
  if (notReady.length > 0) return { kind: 'wait', partition, reason: `${notReady.map((p) => p.name).join(', ')} not Ready` };
  return { kind: 'advance', partition: partition - 1, pod: next?.name ?? `ordinal ${partition - 1}` };
}
