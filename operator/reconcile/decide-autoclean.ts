// Autoclean as a pure decision: a node that no live pod has seen up for longer than
// spec.cluster.autoclean is forgotten on every live broker that still lists it. A node whose own
// pod answers (a restart: same name, new life) is alive, whatever old lives the others remember.
import type { Observations } from './broker-observation.js';
import { podOfNode } from './pod-facts.js';

export interface AutocleanInput {
  readonly observations: Observations;
  /** 0 turns autoclean off. */
  readonly autocleanMs: number;
  /** When the views were read (the brokers' `since` are on their clocks, kept in sync by NTP). */
  readonly now: number;
}

export interface AutocleanAction {
  readonly node: string;
  /** Latest time a view says the node left `up` (a bound on when it was last seen up). */
  readonly lastSeenUp: number;
  /** Pods whose brokers still list it. */
  readonly pods: readonly string[];
}

export function decideAutoclean(input: AutocleanInput): AutocleanAction[] {
  if (input.autocleanMs <= 0) return [];
  const alive = new Set<string>();
  const listed = new Map<string, { lastSeenUp: number; pods: string[]; up: boolean }>();
  for (const [pod, o] of input.observations) {
    if (!o.ok) continue;
    alive.add(o.view.node);
    alive.add(podOfNode(o.view.node));
    for (const entry of o.view.nodes) {
      if (entry.self) continue;
      const seen = listed.get(entry.node) ?? { lastSeenUp: 0, pods: [], up: false };
      seen.pods.push(pod);
      if (entry.state === 'up') seen.up = true;
      // `since` is when it entered its current state: at or after the last moment it was up.
      else seen.lastSeenUp = Math.max(seen.lastSeenUp, entry.since);
      listed.set(entry.node, seen);
    }
  }
  const actions: AutocleanAction[] = [];
  for (const [node, seen] of [...listed].sort(([a], [b]) => a.localeCompare(b))) {
    if (seen.up || alive.has(node) || alive.has(podOfNode(node))) continue;
    if (input.now - seen.lastSeenUp <= input.autocleanMs) continue;
    actions.push({ node, lastSeenUp: seen.lastSeenUp, pods: seen.pods.sort() });
  }
  return actions;
}
