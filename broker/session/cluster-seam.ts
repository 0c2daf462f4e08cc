// The broker's side of the cluster seam: what the session layer asks of the cluster (claim a
// client id cluster-wide, release it, replicate a retained change, route) and the snapshot in
// which a session moves to another node on takeover. Single node: no hooks at all.
import type { Message } from '../routing/message.js';
import type { RemoteRouter } from '../routing/remote-router.js';
import type { SessionState } from '../store/store.js';

/** A session as it moves between nodes: the same shape the store persists. */
export type SessionSnapshot = SessionState;

/** `snapshot` is a peer's data: the broker parses it (session-snapshot.ts) before use. */
export type SessionClaim = { won: true; snapshot: unknown } | { won: false };

export interface BrokerClusterHooks {
  readonly remoteRouter: RemoteRouter;
  /**
   * Awaited before a CONNECT is accepted: a client id is unique in the cluster. `won` with a
   * snapshot: the session moved here from its old owner; `won: false`: another node's claim
   * outranked this one and this connection is told 0x8E.
   */
  claimSession(clientId: string): Promise<SessionClaim>;
  /** The session of this client id ended here: nothing is left to hand over. */
  releaseSession(clientId: string): void;
  /** A local client set or deleted (empty payload) a retained message: replicate it. */
  retainedChanged(message: Message): void;
}
