// Cross-node session takeover, as a state machine with no I/O. A client id has at most one owner
// in the cluster: a node that gets a CONNECT claims the session from every peer with a fence
// higher than any it has seen (a Lamport clock); (fence, node name) orders racing claims.
// The protocol and its guarantees are in INVARIANTS.md ("Session takeover").
import type { ControlFrameOf } from './control-frames.js';

export type TakeoverFrame = ControlFrameOf<'tk-claim'> | ControlFrameOf<'tk-grant'> | ControlFrameOf<'tk-reject'>;
export type TakeoverOutcome =
  | { readonly won: true; readonly fence: number; readonly snapshot: unknown }
  | { readonly won: false; readonly winnerNode: string; readonly winnerFence: number }
  /** A live connection of another user holds the client id (on `refusedBy`): not authorized. */
  | { readonly won: false; readonly refused: true; readonly refusedBy: string };

/** The broker's answer to an outranking claim: refused (a live connection of another user), or evicted. */
export type EvictResult =
  | { readonly refused: true }
  /** `live`: a connection was closed (it was the claimant's user); `snapshot`: the session, or null. */
  | { readonly refused: false; readonly snapshot: unknown; readonly live: boolean };

export interface TakeoverMachineDeps {
  readonly self: string;
  /**
   * Asked when a claim outranks this node's ownership: refuse it when a live local connection of
   * `clientId` belongs to another user than `claimant` (null: anonymous); else close that connection
   * (v5 0x8E), drop the session and return its snapshot. `claimantNode` is the node the session goes
   * to. May answer with a promise: the claim is answered when it settles, and ownership holds meanwhile.
   */
  readonly evict: (clientId: string, claimant: string | null, claimantNode: string) => EvictResult | PromiseLike<EvictResult>;
  /** An eviction that failed: the claimant is granted without a snapshot (the session is lost, not duplicated). */
  readonly onEvictError?: (clientId: string, err: unknown) => void;
  readonly send: (to: string, frame: TakeoverFrame) => void;
  /** A session snapshot this node held (not owned) went on to `to`: what still arrives for it follows (session-handoff.ts). */
  readonly onHandedOn?: (clientId: string, to: string) => void;
  readonly settle: (clientId: string, outcome: TakeoverOutcome) => void;
}

interface Claim { readonly from: string; readonly fence: number; readonly username: string | null }
interface Reject { readonly from: string; readonly fence: number; readonly settled: boolean }
interface Claiming {
  kind: 'claiming'; fence: number; readonly username: string | null; peers: readonly string[]; waiting: Set<string>;
  snapshot: unknown; rejects: Reject[]; refusedBy: string | undefined; yieldTo: Claim[]; retried: boolean;
  /** Gave up waiting for silent peers: completes with what it has, never claims again. */
  timedOut: boolean;
  /** A peer closed a live connection of our user for us: we stand for that connection (see #maybeComplete). */
  live: boolean;
  /** Rival claims of other users we refused in the owner's place: their racing rejections do not count. */
  refusedRivals: Claim[];
  /**
   * Earlier fences of this node's claim that a second local claim superseded, with the peers yet to
   * answer them: a grant to one still carries the session (the old owner evicted for it), so it is kept.
   */
  superseded: Array<{ readonly fence: number; readonly waiting: Set<string> }>;
}
/**
 * The owner asked the broker about `claim`; claims that outrank it too wait in `queued`, and a local
 * CONNECT meanwhile waits in `local` (the latest one): ownership holds until the broker decides.
 */
interface Evicting {
  kind: 'evicting'; readonly fence: number; readonly claim: Claim; readonly queued: Claim[];
  local: { readonly peers: readonly string[]; readonly username: string | null } | undefined;
}
type State =
  | { kind: 'owned'; fence: number }
  | Evicting
  | Claiming
  /** Lost a race while holding the old owner's snapshot: it goes to the winner when its claim arrives. */
  | { kind: 'holding'; snapshot: unknown };

/**
 * How much a node remembers of recent hand-overs (per client id, the claim it granted): entries and
 * bytes of client ids and user names (a client id may be 64 KiB long); the oldest go first.
 */
const GRANTED_MEMORY = 10_000;
const GRANTED_MEMORY_BYTES = 4 << 20;

/** (fence, node) order: true when a beats b. */
export function outranks(a: { from: string; fence: number }, b: { from: string; fence: number }): boolean {
  return a.fence !== b.fence ? a.fence > b.fence : a.from > b.from;
}

export class TakeoverMachine {
  readonly #d: TakeoverMachineDeps;
  readonly #states = new Map<string, State>();
  /** The claim this node last handed a session to, per client id: a lower claim arriving later lost to it. */
  readonly #granted = new Map<string, Claim>();
  #grantedBytes = 0;
  #clock = 0;

  constructor(deps: TakeoverMachineDeps) { this.#d = deps; }

  get clock(): number { return this.#clock; }
  owns(clientId: string): boolean {
    const kind = this.#states.get(clientId)?.kind;
    return kind === 'owned' || kind === 'evicting';
  }

  /** A client of `username` (null: anonymous) connected here: claim its session from `peers` (the nodes currently reachable). */
  claim(clientId: string, peers: readonly string[], username: string | null = null): void {
    const current = this.#states.get(clientId);
    if (current?.kind === 'owned') {
      this.#reclaimOwned(clientId, current, peers, username);
      return;
    }
    if (current?.kind === 'evicting') {
      // Still the owner until the broker decides: the CONNECT waits for that decision (#evicted).
      current.local = { peers, username };
      return;
    }
    this.#startClaim(clientId, peers, username, current);
  }

  #startClaim(clientId: string, peers: readonly string[], username: string | null, current: State | undefined): void {
    const fence = ++this.#clock;
    this.#forgetGrant(clientId);
    const state: Claiming = {
      kind: 'claiming', fence, username, peers, waiting: new Set(peers), snapshot: current?.kind === 'holding' ? current.snapshot : null,
      rejects: [], refusedBy: undefined, yieldTo: [], retried: false, timedOut: false, live: false, refusedRivals: [], superseded: [],
    };
    if (current?.kind === 'claiming') {
      // A second local CONNECT supersedes a claim in flight (its CONNECT loses, see SessionTakeover):
      // what that claim gathered stays, the session it may already hold and the rivals waiting on it.
      state.snapshot = current.snapshot;
      state.yieldTo = current.yieldTo;
      state.superseded = [...current.superseded, { fence: current.fence, waiting: current.waiting }].filter((s) => s.waiting.size > 0);
      if (current.username === username) {
        state.live = current.live;
        state.refusedRivals = current.refusedRivals;
      }
    }
    this.#states.set(clientId, state);
    for (const peer of peers) this.#d.send(peer, { t: 'tk-claim', clientId, fence, username });
    this.#maybeComplete(clientId, state);
  }

  /**
   * Already the owner: a local CONNECT is a local takeover (its broker checks the user), won at once,
   * so ownership never lapses while a rival claim is in flight: an outranking one meets the broker's
   * check. The claim still goes out, above every fence seen, to evict a copy a healed partition may
   * have left on another node; the answers are not waited for.
   */
  #reclaimOwned(clientId: string, state: { kind: 'owned'; fence: number }, peers: readonly string[], username: string | null): void {
    state.fence = ++this.#clock;
    for (const peer of peers) this.#d.send(peer, { t: 'tk-claim', clientId, fence: state.fence, username });
    this.#d.settle(clientId, { won: true, fence: state.fence, snapshot: null });
  }

  /** The local session ended (clean disconnect, expiry): nothing to hand over any more. */
  release(clientId: string): void {
    if (this.#states.get(clientId)?.kind === 'owned') this.#states.delete(clientId);
  }

  receive(from: string, frame: TakeoverFrame): void {
    switch (frame.t) {
      case 'tk-claim':
        this.#clock = Math.max(this.#clock, frame.fence);
        this.#onClaim(frame.clientId, { from, fence: frame.fence, username: frame.username ?? null });
        break;
      case 'tk-grant': this.#onAnswer(from, frame.clientId, frame.fence, { snapshot: frame.snapshot, live: frame.live === true }); break;
      case 'tk-reject': this.#onAnswer(from, frame.clientId, frame.fence, { from: frame.winnerNode, fence: frame.winnerFence, settled: frame.settled, refused: frame.refused === true }); break;
    }
  }

  /** A peer is gone: it can neither own nor answer; claims stop waiting for it, and none lose to its claims. */
  peerDown(node: string): void {
    for (const [clientId, claim] of this.#granted) if (claim.from === node) this.#forgetGrant(clientId);
    for (const [clientId, state] of this.#states) {
      if (state.kind !== 'claiming') continue;
      state.peers = state.peers.filter((p) => p !== node); // a retry does not wait for it either
      if (state.waiting.delete(node)) this.#maybeComplete(clientId, state);
    }
  }

  /**
   * A peer went silent (suspect: its connection may still be open, a network cut drops packets
   * without closing it): claims stop waiting for it, as for a peer down, but keep what they know of
   * its claims. Frames already sent to it stay on its connection: if the link comes back it still
   * answers them and gives up a copy it held.
   */
  peerSilent(node: string): void {
    for (const [clientId, state] of this.#states) {
      if (state.kind !== 'claiming') continue;
      state.peers = state.peers.filter((p) => p !== node); // a retry does not wait for it either
      if (state.waiting.delete(node)) this.#maybeComplete(clientId, state);
    }
  }

  /** Gives up waiting for silent peers (availability: a partitioned peer's session cannot be fetched). */
  timeout(clientId: string): void {
    const state = this.#states.get(clientId);
    if (state?.kind !== 'claiming') return;
    state.waiting.clear();
    state.timedOut = true;
    this.#maybeComplete(clientId, state);
  }

  #onClaim(clientId: string, claim: Claim): void {
    const { from, fence } = claim;
    const state = this.#states.get(clientId);
    if (state === undefined) {
      const handedTo = this.#granted.get(clientId);
      if (handedTo !== undefined && handedTo.from !== from && !outranks(claim, handedTo)) {
        // The session went to a higher claim: this one lost to it. Settled, so a claimant whose clock
        // had not seen that fence claims again above it and meets the new owner (and its user check).
        this.#d.send(from, { t: 'tk-reject', clientId, fence, winnerFence: handedTo.fence, winnerNode: handedTo.from, settled: true });
        return;
      }
      this.#forgetGrant(clientId);
      this.#d.send(from, { t: 'tk-grant', clientId, fence, snapshot: null });
    } else if (state.kind === 'holding') {
      this.#states.delete(clientId);
      this.#d.send(from, { t: 'tk-grant', clientId, fence, snapshot: state.snapshot });
      this.#d.onHandedOn?.(clientId, from);
    } else if (state.kind === 'owned' || state.kind === 'evicting') {
      if (!outranks(claim, { from: this.#d.self, fence: state.fence })) {
        this.#rejectAsWinner(clientId, claim, state.fence, { settled: true });
      } else if (state.kind === 'evicting') {
        state.queued.push(claim); // decided after the pending one: the owner may keep the session
      } else {
        this.#evict(clientId, state.fence, claim);
      }
    } else if (outranks({ from: this.#d.self, fence: state.fence }, claim)) {
      this.#rejectAsWinner(clientId, claim, state.fence, { settled: false });
    } else if (state.live && claim.username !== state.username) {
      // We stand for a live connection of our user: another user's claim is refused, as its owner would.
      state.refusedRivals.push(claim);
      this.#rejectAsWinner(clientId, claim, state.fence, { settled: false, refused: true });
    } else {
      // We lose this race; answer once our own claim has gathered what it will (the old owner's snapshot).
      state.yieldTo.push(claim);
    }
  }

  #rejectAsWinner(clientId: string, to: Claim, winnerFence: number, how: { settled: boolean; refused?: boolean }): void {
    this.#d.send(to.from, {
      t: 'tk-reject', clientId, fence: to.fence, winnerFence, winnerNode: this.#d.self, settled: how.settled, ...(how.refused ? { refused: true } : {}),
    });
  }

  // Ownership holds until the broker has decided (a refusal keeps it); claims meanwhile queue behind.
  #evict(clientId: string, fence: number, claim: Claim): void {
    const state: Evicting = { kind: 'evicting', fence, claim, queued: [], local: undefined };
    this.#states.set(clientId, state);
    let result: EvictResult | PromiseLike<EvictResult>;
    try {
      result = this.#d.evict(clientId, claim.username, claim.from);
    } catch (err) {
      this.#evictFailed(clientId, state, err);
      return;
    }
    if (!isPromiseLike(result)) { this.#evicted(clientId, state, result); return; }
    result.then((r) => this.#evicted(clientId, state, r), (err: unknown) => this.#evictFailed(clientId, state, err));
  }

  #evictFailed(clientId: string, state: Evicting, err: unknown): void {
    this.#d.onEvictError?.(clientId, err);
    this.#evicted(clientId, state, { refused: false, snapshot: null, live: false });
  }

  #evicted(clientId: string, state: Evicting, result: EvictResult): void {
    const { claim } = state;
    if (result.refused) {
      this.#rejectAsWinner(clientId, claim, state.fence, { settled: true, refused: true });
    } else {
      this.#d.send(claim.from, { t: 'tk-grant', clientId, fence: claim.fence, snapshot: result.snapshot ?? null, ...(result.live ? { live: true } : {}) });
    }
    if (this.#states.get(clientId) !== state) return;
    if (result.refused) {
      const owned = { kind: 'owned' as const, fence: state.fence };
      this.#states.set(clientId, owned);
      // A local CONNECT that waited: the session stayed here, so it is a local takeover.
      if (state.local !== undefined) this.#reclaimOwned(clientId, owned, state.local.peers, state.local.username);
    } else {
      // Later claims are answered as by a non-owner (the racing claimants settle between themselves),
      // except lower ones: they lost to this claim.
      this.#states.delete(clientId);
      this.#rememberGrant(clientId, claim);
      // A local CONNECT that waited claims the session back from the node it just went to.
      if (state.local !== undefined) this.#startClaim(clientId, state.local.peers, state.local.username, undefined);
    }
    // Claims that waited meet the state as it is now (owned, or the local claim, which outranks them).
    for (const c of state.queued) this.#onClaim(clientId, c);
  }

  #rememberGrant(clientId: string, claim: Claim): void {
    this.#forgetGrant(clientId);
    this.#granted.set(clientId, claim);
    this.#grantedBytes += grantBytes(clientId, claim);
    while (this.#granted.size > GRANTED_MEMORY || this.#grantedBytes > GRANTED_MEMORY_BYTES) {
      this.#forgetGrant(this.#granted.keys().next().value!);
    }
  }

  #forgetGrant(clientId: string): void {
    const claim = this.#granted.get(clientId);
    if (claim === undefined) return;
    this.#granted.delete(clientId);
    this.#grantedBytes -= grantBytes(clientId, claim);
  }

  #onAnswer(from: string, clientId: string, fence: number, answer: { snapshot: unknown; live: boolean } | (Reject & { refused: boolean })): void {
    const state = this.#states.get(clientId);
    if (state?.kind !== 'claiming') return;
    if (state.fence !== fence) {
      // An answer to a claim of ours that a second local claim superseded: only its snapshot counts.
      const earlier = state.superseded.find((s) => s.fence === fence);
      if (earlier === undefined || !earlier.waiting.delete(from)) return;
      if ('snapshot' in answer && answer.snapshot !== null && answer.snapshot !== undefined) state.snapshot = answer.snapshot;
      return;
    }
    if (!state.waiting.delete(from)) return;
    if ('snapshot' in answer) {
      if (answer.snapshot !== null && answer.snapshot !== undefined) state.snapshot = answer.snapshot;
      if (answer.live) state.live = true;
    } else {
      this.#clock = Math.max(this.#clock, answer.fence);
      if (answer.refused) state.refusedBy = from;
      else state.rejects.push({ from: answer.from, fence: answer.fence, settled: answer.settled });
    }
    this.#maybeComplete(clientId, state);
  }

  #maybeComplete(clientId: string, state: Claiming): void {
    if (state.waiting.size > 0) return;
    if (state.live && state.refusedBy === undefined) this.#refuseForeignRivals(clientId, state);
    const rivalRefused = (r: Reject): boolean => state.refusedRivals.some((c) => c.from === r.from && c.fence === r.fence);
    const rejectedBy = state.rejects.filter((r) => !rivalRefused(r)).reduce<Reject | undefined>((top, r) => (top === undefined || outranks(r, top) ? r : top), undefined);
    if (state.refusedBy === undefined && rejectedBy?.settled && !state.retried && !state.timedOut && state.yieldTo.length === 0) {
      // An owner that never saw our clock: the newest connection wins, so claim again above its fence.
      state.retried = true;
      state.rejects = [];
      state.fence = ++this.#clock;
      state.waiting = new Set(state.peers);
      for (const peer of state.peers) this.#d.send(peer, { t: 'tk-claim', clientId, fence: state.fence, username: state.username });
      return;
    }
    if (state.refusedBy !== undefined || rejectedBy || state.yieldTo.length > 0) {
      this.#states.delete(clientId);
      // Everyone who yielded to us is answered, refused or not, so no claim waits forever.
      const winners = [...state.yieldTo].sort((a, b) => (outranks(a, b) ? -1 : 1));
      const top = winners[0];
      for (const w of winners) {
        // We stood for a live connection of our user: a winner of that user stands for it in turn.
        const live = w === top && state.live && w.username === state.username;
        this.#d.send(w.from, { t: 'tk-grant', clientId, fence: w.fence, snapshot: w === top ? state.snapshot : null, ...(live ? { live: true } : {}) });
      }
      if (top && state.snapshot !== null && state.snapshot !== undefined) this.#d.onHandedOn?.(clientId, top.from);
      // Lost to a claimant whose claim has not reached us yet, or refused: keep the snapshot for the next claim.
      if (!top && state.snapshot !== null && state.snapshot !== undefined) this.#states.set(clientId, { kind: 'holding', snapshot: state.snapshot });
      // Handed on to `top` (with the session and maybe a live connection's stand-in): a lower claim
      // arriving later lost to it, as at an owner that evicted (#evicted).
      if (top) this.#rememberGrant(clientId, top);
      if (state.refusedBy !== undefined) {
        this.#d.settle(clientId, { won: false, refused: true, refusedBy: state.refusedBy });
      } else {
        const winner = top ?? rejectedBy!;
        this.#d.settle(clientId, { won: false, winnerNode: winner.from, winnerFence: winner.fence });
      }
      return;
    }
    this.#states.set(clientId, { kind: 'owned', fence: state.fence });
    this.#d.settle(clientId, { won: true, fence: state.fence, snapshot: state.snapshot });
  }

  /**
   * Our claim took a live connection of our own user over: the owner would have refused any other
   * user, so we refuse, in its place, the rival claims of other users we were to yield to, and their
   * racing rejections do not count (a refused claim must not make the rightful user lose).
   */
  #refuseForeignRivals(clientId: string, state: Claiming): void {
    const foreign = state.yieldTo.filter((c) => c.username !== state.username);
    if (foreign.length === 0) return;
    for (const c of foreign) this.#rejectAsWinner(clientId, c, state.fence, { settled: false, refused: true });
    state.yieldTo = state.yieldTo.filter((c) => c.username === state.username);
    state.refusedRivals.push(...foreign);
  }
}

/** What one remembered hand-over holds: its client id and claimant user, as UTF-16 code units (2 bytes each). */
function grantBytes(clientId: string, claim: Claim): number {
  return 2 * (clientId.length + (claim.username?.length ?? 0)) + 64;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
