// Adopting one session of a dead node (or of this node's previous life) from the store: taken by
// compare-and-set on its owner, restored here offline (its subscriptions route again, its queue
// fills, its will and expiry run from now), and claimed in the cluster so a reconnect elsewhere
// takes it from here over the mesh. See INVARIANTS.md "Dead nodes".
import type { Logger } from '../contract/logger.js';
import type { Store } from '../store/store.js';
import type { WriteJournal } from '../store/write-journal.js';
import type { KeyedSerializer } from '../util/keyed-serializer.js';
import type { BrokerClusterHooks } from './cluster-seam.js';
import type { Session } from './session.js';
import type { SessionRegistry } from './session-registry.js';

export interface AdoptionContext {
  readonly store: Store;
  readonly journal: WriteJournal;
  readonly registry: SessionRegistry;
  readonly cluster: BrokerClusterHooks | undefined;
  /** This node's name and its owner id in the store (`name#incarnation`). */
  readonly nodeName: string;
  readonly owner: string;
  readonly logger: Logger;
  /** One acquisition of a client's session at a time on this node (session-acquire.ts). */
  readonly acquisitions: KeyedSerializer;
}

/** adopted: now held here; gone: not the dead node's any more (or no longer stored). */
export type AdoptionResult = 'adopted' | 'gone';

/** The node name of an owner id (`name#incarnation`). */
export function ownerName(owner: string): string {
  const i = owner.lastIndexOf('#');
  return i < 0 ? owner : owner.slice(0, i);
}

export async function adoptSession(ctx: AdoptionContext, clientId: string, fromNode: string): Promise<AdoptionResult> {
  const { registry } = ctx;
  const session = await ctx.acquisitions.run(clientId, () => takeFromStore(ctx, clientId, fromNode));
  if (session === undefined) return 'gone';
  if (ctx.cluster !== undefined) {
    // The cluster learns who holds it, so a reconnect to another node takes it over from here.
    const claim = await ctx.cluster.claimSession(clientId, session.username);
    if (!claim.won && registry.get(clientId) === session) {
      // A CONNECT elsewhere won the id meanwhile: it takes the session from the store after us.
      registry.dropFenced(session);
      return 'gone';
    }
  }
  return 'adopted';
}

/** The session taken from the store and restored here, or undefined when it is not `fromNode`'s any more. */
async function takeFromStore(ctx: AdoptionContext, clientId: string, fromNode: string): Promise<Session | undefined> {
  const { registry, journal } = ctx;
  const result = await ctx.store.acquire({ clientId, owner: ctx.owner, mode: { kind: 'adopt', fromNode }, record: undefined, expiresAt: 0 });
  if (!result.acquired || result.state === undefined) {
    // Its index entry was stale (the session moved on or expired): the index forgets it.
    journal.index(fromNode, clientId, false);
    return undefined;
  }
  const local = registry.get(clientId);
  if (local !== undefined) {
    // A client connected here meanwhile with a clean session: the stored one is stale.
    const holder = { clientId, fence: result.fence, writeSeq: 0, journalSlot: undefined };
    journal.op(holder, { k: 'delete' });
    journal.index(fromNode, clientId, false);
    return undefined;
  }
  const session = registry.restore(result.state, result.fence);
  // It was connected (or waiting out its expiry) on the dead node: its expiry and will run from now.
  registry.writeRecord(session);
  journal.index(ctx.nodeName, clientId, true);
  if (fromNode !== ctx.nodeName) journal.index(fromNode, clientId, false);
  return session;
}
