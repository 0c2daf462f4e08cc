// A node's identity in the cluster: its stable name plus an incarnation chosen at each start,
// so a restarted node is seen as a new life of the same name and what its old life owned is dropped.
import { randomBytes } from 'node:crypto';

export interface NodeIdentity {
  /** Stable network name (in Kubernetes the pod's DNS name). */
  readonly name: string;
  /** Random 64-bit id, hex, chosen at each start. */
  readonly incarnation: string;
  /** When this life started, ms since the epoch. */
  readonly startedAt: number;
}

export function createNodeIdentity(name: string, now: number, random: (n: number) => Buffer = randomBytes): NodeIdentity {
  return Object.freeze({ name, incarnation: random(8).toString('hex'), startedAt: now });
}

/**
 * Orders two lives of the same node: the later start wins; equal start times (clock
 * granularity) fall back to the incarnation id so every node picks the same winner.
 * Returns < 0 when `a` is older than `b`, 0 when they are the same life.
 */
export function compareIncarnations(a: Pick<NodeIdentity, 'incarnation' | 'startedAt'>, b: Pick<NodeIdentity, 'incarnation' | 'startedAt'>): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? -1 : 1;
  return a.incarnation === b.incarnation ? 0 : a.incarnation < b.incarnation ? -1 : 1;
}

export function isSameLife(a: NodeIdentity, b: NodeIdentity): boolean {
  return a.name === b.name && a.incarnation === b.incarnation;
}

/** Total order on node names used wherever two nodes must agree without talking (dial dedupe, fencing ties). */
export function compareNodeNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
