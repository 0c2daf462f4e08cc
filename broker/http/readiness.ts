// When /readyz answers 200, and if not, which contract reason it gives (READINESS_REASONS), as a
// pure decision over what the composition root observes: the process shutting down, the drain,
// the listeners, the cluster join, the store.
import type { ReadinessReason } from '../contract/admin-api.js';
import type { DrainState } from '../contract/drain-api.js';

export type ReadinessDecision =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: ReadinessReason; readonly message?: string };

export interface ReadinessInput {
  /** A stop signal arrived and the process is on its way out (after any drain). */
  readonly shuttingDown: boolean;
  readonly drain: DrainState;
  /** The MQTT listeners are up (the broker is running). */
  readonly listening: boolean;
  /** Undefined: not clustered. Otherwise the node's join decision, and who it still waits for. */
  readonly cluster: { readonly joined: boolean; readonly waiting: readonly string[] } | undefined;
  /** The store answers (always, for the memory store); false: QoS 1/2 to persistent sessions is refused. */
  readonly storeUp?: boolean;
}

/** The most final state wins: shutting down, drained, draining, then starting, not joined, store unavailable. */
export function decideReadiness(input: ReadinessInput): ReadinessDecision {
  if (input.shuttingDown) return { ready: false, reason: 'shutting_down', message: 'the process is stopping' };
  if (input.drain === 'drained') return { ready: false, reason: 'drained', message: 'drained: sessions handed over and the mesh left; restart the process to serve again' };
  if (input.drain === 'draining') return { ready: false, reason: 'draining', message: 'handing sessions over to other nodes' };
  if (!input.listening) return { ready: false, reason: 'starting', message: 'listeners are not up yet' };
  if (input.cluster !== undefined && !input.cluster.joined) {
    const waiting = input.cluster.waiting;
    const shown = waiting.slice(0, 5).join(', ') + (waiting.length > 5 ? `, and ${waiting.length - 5} more` : '');
    return { ready: false, reason: 'not_joined', message: waiting.length === 0 ? 'joining the cluster' : `waiting for routes and retained messages of ${shown}` };
  }
  if (input.storeUp === false) return { ready: false, reason: 'store_unavailable', message: 'the store does not answer: QoS 1/2 publishes to persistent sessions and persistent CONNECTs are refused' };
  return { ready: true };
}
