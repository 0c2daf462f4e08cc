// After a scale-down the removed nodes must vanish from every view at once, without waiting for
// autoclean: a node that is not up in a view, whose pod's ordinal is at or past the replica count
// and whose pod no longer exists, is forgotten on every pod whose view still lists it.
import { podOfNode, podOrdinal, type PodFacts } from './pod-facts.js';
import type { Observations } from './broker-observation.js';

export interface ForgetAction {
  /** The pod whose broker is asked to forget. */
  readonly pod: string;
  readonly node: string;
}

export function decideForgetRemoved(setName: string, replicas: number, pods: readonly PodFacts[], observations: Observations): ForgetAction[] {
  const existing = new Set(pods.map((p) => p.name));
  const actions: ForgetAction[] = [];
  for (const [podName, o] of observations) {
    if (!o.ok) continue;
    for (const entry of o.view.nodes) {
      if (entry.self || entry.state === 'up') continue;
      const pod = podOfNode(entry.node);
      const ordinal = podOrdinal(setName, pod);
      if (ordinal === undefined || ordinal < replicas || existing.has(pod)) continue;
      actions.push({ pod: podName, node: entry.node });
    }
  }
  return actions;
}
