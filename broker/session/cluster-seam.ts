// The broker's side of the cluster seam: what the session layer asks of the cluster (claim a
// client id cluster-wide, release it, replicate a retained change, route) and the snapshot in
// which a session moves to another node on takeover. Single node: no hooks at all.
import type { Message } from '../routing/message.js';
import type { RemoteRouter } from '../routing/remote-router.js';
import type { SessionState } from '../store/store.js';
import type { HandoffTransport } from './session-handoff.js';

/**
 * While a session moves: the node it came from keeps relaying what still reaches it there (until
 * told the new owner's routes are everywhere), and `seen` names the messages (origin node -> origin
 * sequence numbers) it already has, so a copy arriving both ways is delivered once (session-handoff.ts).
 */
export interface SessionHandoffInfo {
  readonly from: string;
  /** Names the relay at `from`: the new owner's acknowledgement ends that relay and no later one. */
  readonly relay: number;
  readonly seen: Readonly<Record<string, readonly number[]>>;
}

/** A session as it moves between nodes: the shape the store persists, plus the hand-off details. */
export type SessionSnapshot = SessionState & { readonly handoff?: SessionHandoffInfo | undefined };

/**
 * `snapshot` is a peer's data: the broker parses it (session-snapshot.ts) before use. `refused`: a live
 * connection of another user holds the client id on another node (not authorized, not a lost race).
 */
export type SessionClaim = { won: true; snapshot: unknown } | { won: false; refused?: boolean };

/** The broker's answer when another node claims one of its client ids (broker.ts takeOverSession). */
export type SessionTakeOver =
  | { refused: true }
  /** `live`: a connection was closed (0x8E); `snapshot`: the session handed over, or null. */
  | { refused: false; live: boolean; snapshot: SessionSnapshot | null };

export interface BrokerClusterHooks {
  readonly remoteRouter: RemoteRouter;
  /**
   * Awaited before a CONNECT of user `username` (undefined: anonymous) is accepted: a client id is
   * unique in the cluster. `won` with a snapshot: the session moved here from its old owner;
   * `won: false`: another node's claim outranked this one and this connection is told 0x8E, or
   * (`refused`) another user's live connection holds the id and this one is not authorized.
   */
  claimSession(clientId: string, username: string | undefined): Promise<SessionClaim>;
  /** The session of this client id ended here: nothing is left to hand over. */
  releaseSession(clientId: string): void;
  /** A local client set or deleted (empty payload) a retained message: replicate it. */
  retainedChanged(message: Message): void;
  /** Relays and import acknowledgements between nodes (session-handoff.ts); absent: sessions move without relays. */
  readonly handoff?: HandoffTransport | undefined;
}
