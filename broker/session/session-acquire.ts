// Taking a client's session in a durable store when it connects: the store decides, by a
// compare-and-set on the session's fence, which state is the latest (this node's, a peer's
// hand-over, or the stored one) and hands this node a new fence, so a node that lost the session
// (even across a partition) has its writes refused. See INVARIANTS.md "Ownership and fencing".
import type { Logger } from '../contract/logger.js';
import type { AcquireMode, SessionRecord, Store } from '../store/store.js';
import type { WriteJournal } from '../store/write-journal.js';
import type { KeyedSerializer } from '../util/keyed-serializer.js';
import { ownerName } from './session-adoption.js';
import type { SessionRegistry } from './session-registry.js';

export interface AcquireDeps {
  readonly store: Store;
  readonly journal: WriteJournal;
  readonly registry: SessionRegistry;
  readonly nodeName: string;
  /** This node's owner id in the store (`name#incarnation`). */
  readonly storeOwner: string;
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * This node's acquisitions of one client's session run one at a time: a CONNECT decides how to take
   * the session from what a hand-off's or an adoption's acquisition under way made of it (else the two
   * compare-and-sets fence each other's writes out and the session is dropped here).
   */
  readonly acquisitions: KeyedSerializer;
}

export interface ConnectAcquire {
  readonly clientId: string;
  /** Clean Start, or a stored session of another user (replaced, not resumed). */
  readonly cleanStart: boolean;
  /** The new connection's session is stored: it outlives the connection, or carries a will. */
  readonly wantsStore: boolean;
  /** The new connection's record (written with the new fence). */
  readonly record: SessionRecord;
  /** A peer handed the session over (it is in the registry now) under this fence. */
  readonly importedFence: number | undefined;
  /** When the stored session expires; 0 while connected. */
  readonly expiresAt: number;
}

/** `fence`: the new session's (0: not stored). Not ok: the store could not be asked about a session it may hold. */
export type AcquireOutcome = { readonly ok: true; readonly fence: number } | { readonly ok: false; readonly error: Error };

export function acquireForConnect(d: AcquireDeps, c: ConnectAcquire): Promise<AcquireOutcome> {
  return d.acquisitions.run(c.clientId, () => acquireNow(d, c));
}

async function acquireNow(d: AcquireDeps, c: ConnectAcquire): Promise<AcquireOutcome> {
  const { journal, registry } = d;
  const local = registry.get(c.clientId);
  if (c.cleanStart && !c.wantsStore) {
    // Nothing of this connection is stored; whatever an earlier one stored goes, without a round trip.
    journal.discard(c.clientId, d.now() * 1000);
    return { ok: true, fence: 0 };
  }
  let mode: AcquireMode;
  let rewrite = false;
  if (c.cleanStart) {
    mode = { kind: 'clean' };
  } else if (local !== undefined && c.importedFence !== undefined && c.importedFence > 0) {
    // The old owner's latest state came with the hand-over: it replaces the store's unless another
    // node has taken the session since (then the store's is the latest).
    mode = { kind: 'expect', fence: c.importedFence, replaceWith: registry.snapshotOf(local) };
  } else if (local !== undefined && local.fence !== 0) {
    // Ours already: the writes still queued go first (the new record must not be overwritten by the old one's).
    await journal.settled();
    mode = { kind: 'expect', fence: local.fence, replaceWith: undefined };
  } else if (local !== undefined) {
    // Held here but never stored under a fence of ours: memory is newer than the store.
    mode = { kind: 'clean' };
    rewrite = true;
  } else {
    mode = { kind: 'load' };
  }
  let result;
  try {
    result = await d.store.acquire({ clientId: c.clientId, owner: d.storeOwner, mode, record: c.record, expiresAt: c.expiresAt });
    if (!result.acquired) throw new Error(`the store refused to give session ${c.clientId} to ${d.nodeName}`);
  } catch (err) {
    // A clean session is served without the store; any stored one is deleted once it answers.
    if (c.cleanStart) {
      journal.discard(c.clientId, d.now() * 1000);
      return { ok: true, fence: 0 };
    }
    return { ok: false, error: err as Error };
  }
  const current = registry.get(c.clientId);
  if (result.state !== undefined) {
    registry.restore(result.state, result.fence);
  } else if (current !== undefined && !c.cleanStart) {
    if (current.fence !== result.fence) { current.fence = result.fence; current.writeSeq = 0; }
    if (rewrite) journal.markDirty(current);
  } else if (current !== undefined) {
    // Replaced by a clean start: the store dropped it already, its end writes nothing.
    current.fence = 0;
  }
  journal.index(d.nodeName, c.clientId, true);
  const previous = result.previousOwner === undefined ? undefined : ownerName(result.previousOwner);
  if (previous !== undefined && previous !== d.nodeName) journal.index(previous, c.clientId, false);
  return { ok: true, fence: result.fence };
}
