// Autoheal as a pure decision: from every pod's view, is the cluster split; has the split lasted
// the confirmation delay; which side keeps serving (largest group, ties to the oldest node, so
// 1|1|1 and 2|2 are settled too); and which pods to delete. It never deletes the serving side,
// never acts on views it could not read, and backs off when a split outlives its heal.
import type { PartitionMode } from '../api/broker-cluster-spec.js';
import type { Observations } from './broker-observation.js';
import type { PodFacts } from './pod-facts.js';
import { podOfNode } from './pod-facts.js';
import { splitGroups, type Member } from './reachability.js';

export interface AutohealHistory {
  /** The split being watched: its shape and when it was first seen. */
  readonly split?: { readonly signature: string; readonly detectedAt: number };
  /** The last heal, for the backoff. */
  readonly lastHeal?: { readonly at: number; readonly deleted: readonly string[]; readonly attempt: number };
}

export interface AutohealInput {
  readonly mode: PartitionMode;
  readonly delayMs: number;
  /** Pods of the set (any state). */
  readonly pods: readonly PodFacts[];
  readonly observations: Observations;
  /** Pods on their way out (a scale-down's leavers, drained or draining): not members. */
  readonly leaving: ReadonlySet<string>;
  readonly history: AutohealHistory;
  readonly now: number;
}

export type AutohealDecision =
  | { readonly kind: 'whole'; readonly history: AutohealHistory }
  /** Some member's view could not be read while the others hint at a split: do nothing. */
  | { readonly kind: 'incomplete'; readonly unreadable: readonly string[]; readonly history: AutohealHistory }
  /** Split seen, not yet confirmed (or the mode only reports). */
  | {
    readonly kind: 'suspected'; readonly groups: readonly string[][]; readonly detectedAt: number; readonly confirmAt: number;
    /** The split of the last heal, still there (its deleted pods came back cut off): not a new split. */
    readonly persistsAfterHeal: boolean;
    readonly history: AutohealHistory;
  }
  | { readonly kind: 'report'; readonly groups: readonly string[][]; readonly detectedAt: number; readonly serving: readonly string[]; readonly history: AutohealHistory }
  | { readonly kind: 'backoff'; readonly groups: readonly string[][]; readonly detectedAt: number; readonly serving: readonly string[]; readonly until: number; readonly history: AutohealHistory }
  | {
    readonly kind: 'heal'; readonly groups: readonly string[][]; readonly detectedAt: number; readonly serving: readonly string[];
    readonly delete: readonly string[];
    /** Set when the serving side has no majority: the brokers must be told they serve anyway. */
    readonly grant: boolean;
    readonly history: AutohealHistory;
  };

/** Backoff after a heal whose split came back: 30 s doubling, at most 5 minutes. */
export function healBackoffMs(attempt: number, delayMs: number): number {
  return Math.min(300_000, Math.max(30_000, delayMs) * 2 ** Math.max(0, attempt - 1));
}

function members(input: AutohealInput): { members: Member[]; unreadable: string[] } {
  const out: Member[] = [];
  const unreadable: string[] = [];
  for (const pod of input.pods) {
    if (pod.terminating || pod.phase !== 'Running' || pod.ip === undefined || input.leaving.has(pod.name)) continue;
    const o = input.observations.get(pod.name);
    if (o === undefined || !o.ok) { unreadable.push(pod.name); continue; }
    const self = o.view.nodes.find((n) => n.self);
    // A node handing its sessions over has left the mesh on purpose: not a side of a split.
    if ((self as { draining?: unknown } | undefined)?.draining === true) continue;
    out.push({ pod: pod.name, view: o.view, startedAt: self?.startedAt ?? pod.startedAt ?? Infinity });
  }
  return { members: out, unreadable };
}

/** Whether the readable views hint that something is wrong: a member not up, or missing, in another's view. */
function hintsAtSplit(readable: readonly Member[], allMembers: readonly string[]): boolean {
  for (const m of readable) {
    const up = new Set(m.view.nodes.filter((n) => n.state === 'up').map((n) => podOfNode(n.node)));
    if (allMembers.some((pod) => !up.has(pod))) return true;
  }
  return false;
}

export function decideAutoheal(input: AutohealInput): AutohealDecision {
  const { now } = input;
  const { members: readable, unreadable } = members(input);
  const all = [...readable.map((m) => m.pod), ...unreadable];
  if (unreadable.length > 0) {
    if (!hintsAtSplit(readable, all)) return { kind: 'whole', history: { ...(input.history.lastHeal ? { lastHeal: input.history.lastHeal } : {}) } };
    return { kind: 'incomplete', unreadable, history: input.history };
  }
  const groups = splitGroups(readable);
  if (groups.length <= 1) {
    // Whole again: forget the watched split, and the backoff once every pod of the set is back.
    const complete = readable.length === input.pods.filter((p) => !p.terminating && !input.leaving.has(p.name)).length;
    return { kind: 'whole', history: complete || input.history.lastHeal === undefined ? {} : { lastHeal: input.history.lastHeal } };
  }
  const signature = JSON.stringify(groups);
  // A split of another shape (a link that flapped, a pod that came or went) starts the clock again.
  const detectedAt = input.history.split?.signature === signature ? input.history.split.detectedAt : now;
  const history: AutohealHistory = { split: { signature, detectedAt }, ...(input.history.lastHeal ? { lastHeal: input.history.lastHeal } : {}) };
  const serving = groups[0] ?? [];
  if (input.mode !== 'autoheal') return { kind: 'report', groups, detectedAt, serving, history };
  const toDelete = groups.slice(1).flat().sort();
  const last = input.history.lastHeal;
  const again = last !== undefined && toDelete.some((pod) => last.deleted.includes(pod));
  const confirmAt = detectedAt + input.delayMs;
  if (now < confirmAt) return { kind: 'suspected', groups, detectedAt, confirmAt, persistsAfterHeal: again, history };
  if (again) {
    const until = last.at + healBackoffMs(last.attempt, input.delayMs);
    if (now < until) return { kind: 'backoff', groups, detectedAt, serving, until, history };
  }
  const attempt = again ? last.attempt + 1 : 1;
  return {
    kind: 'heal', groups, detectedAt, serving, delete: toDelete,
    grant: serving.length * 2 <= readable.length,
    history: { lastHeal: { at: now, deleted: toDelete, attempt } },
  };
}
