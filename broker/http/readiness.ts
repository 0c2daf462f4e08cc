// When /readyz answers 200, and if not, which contract reason it gives (READINESS_REASONS), as a
// pure decision over what the composition root observes: the process shutting down, the drain,
// the listeners, the cluster join, the cluster majority, the store.
import type { ReadinessReason } from '../contract/admin-api.js';
import type { PartitionMode } from '../contract/cluster-api.js';
import type { DrainState } from '../contract/drain-api.js';
import { describeNoMajority, type MajorityDecision } from '../cluster/majority.js';

export type ReadinessDecision =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: ReadinessReason; readonly message?: string };

export interface ReadinessInput {
  /** A stop signal arrived and the process is on its way out (after any drain). */
  readonly shuttingDown: boolean;
  readonly drain: DrainState;
  /** The MQTT listeners are up (the broker is running). */
  readonly listening: boolean;
  /**
   * Undefined: not clustered (a node alone is its own majority). Otherwise the node's join decision
   * and who it still waits for, and whether it reaches a majority or holds a serving grant.
   */
  readonly cluster: {
    readonly joined: boolean;
    readonly waiting: readonly string[];
    /** Undefined while the cluster node is still starting. */
    readonly majority: MajorityDecision | undefined;
    readonly partitionMode: PartitionMode;
  } | undefined;
  /** The store answers (always, for the memory store); false: QoS 1/2 to persistent sessions is refused. */
  readonly storeUp?: boolean;
  /** While the store is down: what is wrong with it, for people (store-failure.ts). */
  readonly storeProblem?: string | undefined;
  readonly now: number;
}

/** The most final state wins: shutting down, drained, draining, then starting, not joined, no majority, store unavailable. */
export function decideReadiness(input: ReadinessInput): ReadinessDecision {
  if (input.shuttingDown) return { ready: false, reason: 'shutting_down', message: 'the process is stopping' };
  if (input.drain === 'drained') return { ready: false, reason: 'drained', message: 'drained: sessions handed over and the mesh left; restart the process to serve again' };
  if (input.drain === 'draining') return { ready: false, reason: 'draining', message: 'handing sessions over to other nodes' };
  if (!input.listening) return { ready: false, reason: 'starting', message: 'listeners are not up yet' };
  const store = input.storeUp === false
    ? { ready: false, reason: 'store_unavailable', message: `the store does not take writes${input.storeProblem === undefined ? '' : ` (${input.storeProblem})`}: QoS 1/2 publishes to persistent sessions and persistent CONNECTs are refused` } as const
    : { ready: true } as const;
  const cluster = input.cluster;
  if (cluster === undefined) return store;
  if (!cluster.joined) {
    const waiting = cluster.waiting;
    const shown = waiting.slice(0, 5).join(', ') + (waiting.length > 5 ? `, and ${waiting.length - 5} more` : '');
    return { ready: false, reason: 'not_joined', message: waiting.length === 0 ? 'joining the cluster' : `waiting for routes and retained messages of ${shown}` };
  }
  // A node cut off with a minority must not be an island the Service sends clients to (issue 8).
  if (cluster.majority !== undefined && !cluster.majority.serving) {
    const paused = cluster.partitionMode === 'pauseMinority' ? '; paused (partitionMode pauseMinority): clients are refused until the majority is back' : '';
    return { ready: false, reason: 'no_majority', message: `${describeNoMajority(cluster.majority, input.now)}${paused}` };
  }
  return store;
}
