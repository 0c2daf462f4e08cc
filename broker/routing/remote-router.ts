// The seam the cluster plugs into: the local node's route changes go out through it, and a
// publish from a local client is forwarded through it to remote nodes with matching routes.
import type { AckWaiter } from './ack-waiter.js';
import type { Message } from './message.js';

export interface RemoteRouter {
  /** The local node gained its first subscriber to `filter` (a `$share/g/` prefix included). */
  filterAdded(filter: string): void;
  /** The local node lost its last subscriber to `filter`. */
  filterRemoved(filter: string): void;
  /**
   * Forward a publish from a local client to every remote node with a matching route. Returns a
   * promise that settles when every such peer has accepted it (a QoS>0 ack waits on it), or
   * undefined when no remote node matches (the fast path allocates nothing).
   */
  forward(message: Message): Promise<void> | undefined;
  /**
   * The same without a Promise (the publish hot path, issue 12): a QoS 1/2 forward that was sent or
   * refused holds one wait on `waiter` and settles it once every peer accepted it, or with the
   * reason one did not (possibly before this returns). Returns how many remote nodes it went to or
   * failed on: 0 when none matches (then nothing is held).
   */
  forwardTo(message: Message, waiter: AckWaiter): number;
}

/** A single node has no remote routes: nothing to announce, nothing to forward. Stateless. */
export const singleNodeRemoteRouter: RemoteRouter = Object.freeze({
  filterAdded(): void {},
  filterRemoved(): void {},
  forward(): Promise<void> | undefined {
    return undefined;
  },
  forwardTo(): number {
    return 0;
  },
});
