// The reachability graph of a cluster from its brokers' views: two pods are connected when each
// sees the other up (a one-way link counts as a cut), and the groups of a split are the largest
// sets of pods that all reach each other (maximal cliques, largest first), so that even a split
// that is not transitive (A-B, B-C, but not A-C) is settled.
import type { ClusterView } from '../../broker/contract/cluster-view.js';
import { podOfNode } from './pod-facts.js';

export interface Member {
  readonly pod: string;
  readonly view: ClusterView;
  /** When the node's current life started (its own clock), for "the oldest node". */
  readonly startedAt: number;
}

/** Pods each member sees up (by pod name). */
function upSets(members: readonly Member[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of members) out.set(m.pod, new Set(m.view.nodes.filter((n) => n.state === 'up' && !n.self).map((n) => podOfNode(n.node))));
  return out;
}

/** Undirected adjacency: a and b connected only when both see each other up. */
export function mutualReachability(members: readonly Member[]): Map<string, Set<string>> {
  const up = upSets(members);
  const adjacency = new Map<string, Set<string>>(members.map((m) => [m.pod, new Set<string>()]));
  for (const a of members) {
    for (const b of members) {
      if (a.pod < b.pod && up.get(a.pod)?.has(b.pod) === true && up.get(b.pod)?.has(a.pod) === true) {
        adjacency.get(a.pod)?.add(b.pod);
        adjacency.get(b.pod)?.add(a.pod);
      }
    }
  }
  return adjacency;
}

/** Every maximal clique (Bron-Kerbosch with pivoting); clusters are small, views nearly clean. */
export function maximalCliques(adjacency: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cliques: string[][] = [];
  const expand = (r: string[], p: Set<string>, x: Set<string>): void => {
    if (p.size === 0 && x.size === 0) { cliques.push([...r].sort()); return; }
    let pivot: string | undefined;
    let best = -1;
    for (const u of [...p, ...x]) {
      const degree = [...p].filter((v) => adjacency.get(u)?.has(v) === true).length;
      if (degree > best) { best = degree; pivot = u; }
    }
    const pivotNeighbours = adjacency.get(pivot as string) ?? new Set<string>();
    for (const v of [...p].filter((candidate) => !pivotNeighbours.has(candidate))) {
      const neighbours = adjacency.get(v) ?? new Set<string>();
      expand([...r, v], new Set([...p].filter((w) => neighbours.has(w))), new Set([...x].filter((w) => neighbours.has(w))));
      p.delete(v);
      x.add(v);
    }
  };
  expand([], new Set(adjacency.keys()), new Set());
  return cliques;
}

/**
 * The groups of the split: repeatedly the best remaining clique (largest, then holding the
 * oldest node, then the first name), until every member is in one. The first is the serving side.
 */
export function splitGroups(members: readonly Member[]): string[][] {
  const startedAt = new Map(members.map((m) => [m.pod, m.startedAt]));
  const oldest = (group: readonly string[]): number => Math.min(...group.map((p) => startedAt.get(p) ?? Infinity));
  const remaining = new Set(members.map((m) => m.pod));
  const adjacency = mutualReachability(members);
  const groups: string[][] = [];
  while (remaining.size > 0) {
    const sub = new Map([...adjacency].filter(([pod]) => remaining.has(pod)).map(([pod, n]) => [pod, new Set([...n].filter((q) => remaining.has(q)))]));
    const best = maximalCliques(sub).sort((a, b) => b.length - a.length || oldest(a) - oldest(b) || (a[0] ?? '').localeCompare(b[0] ?? ''))[0] ?? [];
    groups.push(best);
    for (const pod of best) remaining.delete(pod);
  }
  return groups;
}
