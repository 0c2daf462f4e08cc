// The two directions between a broker and its ClusterNode, built by the composition root:
// the hooks the broker calls (routes, forwards, session claims, retained changes) and the broker
// operations the cluster calls (peer deliveries, evictions, retained from peers). Either side
// may be created first: each call goes through a getter of the other.
import type { Message } from '../routing/message.js';
import type { RemoteRouter } from '../routing/remote-router.js';
import type { StoredDelivery } from '../store/store.js';
import type { ClusterNode } from './cluster-node.js';
import type { PeerDelivery } from './forwarder.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import type { EvictResult } from './takeover-machine.js';

/** A session as one broker exports it and another imports it (defined by the broker core). */
export type SessionSnapshotLike = object;
export type SessionClaimResult = { won: true; snapshot: SessionSnapshotLike | null } | { won: false; refused: boolean };
export type SessionTakeOverLike = { refused: true } | { refused: false; live: boolean; snapshot: SessionSnapshotLike | null };

/** What the broker calls into the cluster (broker.ts `BrokerClusterHooks`). */
export interface ClusterHooks {
  readonly remoteRouter: RemoteRouter;
  claimSession(clientId: string, username: string | undefined): Promise<SessionClaimResult>;
  releaseSession(clientId: string): void;
  retainedChanged(message: Message): void;
  /** Relays and import acknowledgements (the broker's HandoffTransport, session-handoff.ts). */
  readonly handoff: {
    relayCapable(node: string): boolean;
    acksRelays(node: string): boolean;
    sendRelay(node: string, clientId: string, delivery: StoredDelivery, hops: number, ack: number | undefined): boolean;
    imported(clientId: string, from: string, relay: number): void;
    barrier(): Promise<void>;
  };
}

/** What the cluster calls on the broker (broker.ts additions for the cluster). */
export interface ClusterBrokerSide {
  /**
   * A promise: what the delivery wrote for persistent sessions (the forward is acked once stored).
   * `publish`: the message encoded for MQTT 3.1/3.1.1 at its QoS, RETAIN 0 (frame-codec DecodedForward).
   */
  deliverFromPeer(message: Message, options?: { sharedGroups?: readonly string[] }, publish?: Buffer): Promise<void> | undefined | void;
  evictSession?(clientId: string): Promise<SessionSnapshotLike | null>;
  /** Refuses a claim of another user than a live connection's, else evicts (broker.ts takeOverSession). */
  takeOverSession?(clientId: string, claimant: string | undefined, claimantNode?: string): Promise<SessionTakeOverLike>;
  applyRetainedFromPeer?(message: Message): void;
  retainedMessages?(): Iterable<Message>;
}

export class ClusterNotStartedError extends Error {
  constructor(what: string) { super(`cluster hook ${what} called before the cluster node started`); this.name = 'ClusterNotStartedError'; }
}

/** The broker's hooks, delegating to the node once it exists (the broker starts after it). */
export function createClusterHooks(getNode: () => ClusterNode | undefined): ClusterHooks {
  const node = (what: string): ClusterNode => {
    const n = getNode();
    if (n === undefined) throw new ClusterNotStartedError(what);
    return n;
  };
  return {
    remoteRouter: {
      filterAdded: (filter) => node('filterAdded').router.filterAdded(filter),
      filterRemoved: (filter) => node('filterRemoved').router.filterRemoved(filter),
      forward: (message) => node('forward').router.forward(message),
      forwardTo: (message, waiter) => node('forward').router.forwardTo(message, waiter),
    },
    async claimSession(clientId, username) {
      // On the wire an anonymous claimant is null (JSON has no undefined).
      const outcome = await node('claimSession').takeover.claim(clientId, username ?? null);
      if (!outcome.won) return { won: false, refused: 'refused' in outcome };
      const snapshot = decodeSnapshot(outcome.snapshot);
      return { won: true, snapshot: typeof snapshot === 'object' && snapshot !== null ? snapshot : null };
    },
    releaseSession: (clientId) => node('releaseSession').takeover.release(clientId),
    retainedChanged: (message) => node('retainedChanged').retained.localChanged(message),
    handoff: {
      relayCapable: (n) => getNode()?.handoff.relayCapable(n) ?? false,
      acksRelays: (n) => getNode()?.handoff.acksRelays(n) ?? false,
      sendRelay: (n, clientId, delivery, hops, ack) => getNode()?.handoff.sendRelay(n, clientId, delivery, hops, ack) ?? false,
      imported: (clientId, from, relay) => getNode()?.handoff.imported(clientId, from, relay),
      barrier: async () => { await getNode()?.handoff.barrier(); },
    },
  };
}

/** The ClusterNode callbacks that reach the broker; `missing` reports a seam the broker lacks, once per name. */
export function createBrokerCallbacks(getBroker: () => ClusterBrokerSide | undefined, missing: (seam: string) => void): {
  onMessage(message: Message, delivery: PeerDelivery, publish: Buffer | undefined): Promise<void> | undefined | void;
  evictSession(clientId: string, claimant: string | null, claimantNode: string): Promise<EvictResult>;
  applyRetained(message: Message): void;
} {
  const reported = new Set<string>();
  const lacks = (seam: string): void => {
    if (reported.has(seam)) return;
    reported.add(seam);
    missing(seam);
  };
  return {
    onMessage(message, delivery, publish) {
      const broker = getBroker();
      if (broker === undefined) return undefined;
      if (delivery.sharedGroups.size === 0) return broker.deliverFromPeer(message, undefined, publish);
      return broker.deliverFromPeer(message, { sharedGroups: [...delivery.sharedGroups] }, publish);
    },
    async evictSession(clientId, claimant, claimantNode) {
      const broker = getBroker();
      if (broker?.takeOverSession !== undefined) {
        const result = await broker.takeOverSession(clientId, claimant ?? undefined, claimantNode);
        if (result.refused) return result;
        return { refused: false, live: result.live, snapshot: result.snapshot === null ? null : encodeSnapshot(result.snapshot) };
      }
      // A broker without the user check: evicted whatever the claimant's user (as before it existed).
      if (broker?.evictSession === undefined) { lacks('evictSession'); return { refused: false, snapshot: null, live: false }; }
      lacks('takeOverSession');
      const snapshot = await broker.evictSession(clientId);
      return { refused: false, snapshot: snapshot === null ? null : encodeSnapshot(snapshot), live: false };
    },
    applyRetained(message) {
      const broker = getBroker();
      if (broker?.applyRetainedFromPeer === undefined) { lacks('applyRetainedFromPeer'); return; }
      broker.applyRetainedFromPeer(message);
    },
  };
}
