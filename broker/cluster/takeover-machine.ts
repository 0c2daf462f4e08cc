// Cross-node session takeover, as a state machine with no I/O. A client id has at most one owner
// in the cluster: a node that gets a CONNECT claims the session from every peer with a fence
// higher than any it has seen (a Lamport clock); (fence, node name) orders racing claims.
// The protocol and its guarantees are in INVARIANTS.md ("Session takeover").
import type { ControlFrameOf } from './control-frames.js';

export type TakeoverFrame = ControlFrameOf<'tk-claim'> | ControlFrameOf<'tk-grant'> | ControlFrameOf<'tk-reject'>;
export type TakeoverOutcome =
  | { readonly won: true; readonly fence: number; readonly snapshot: unknown }
  | { readonly won: false; readonly winnerNode: string; readonly winnerFence: number };

export interface TakeoverMachineDeps {
  readonly self: string;
  /**
   * Closes the local connection of `clientId` (v5 0x8E), drops the session and returns its snapshot
   * (null if none), or a promise of it: the grant then goes out when it settles.
   */
  readonly evict: (clientId: string) => unknown;
  /** An eviction that failed: the claimant is granted without a snapshot (the session is lost, not duplicated). */
  readonly onEvictError?: (clientId: string, err: unknown) => void;
  readonly send: (to: string, frame: TakeoverFrame) => void;
  readonly settle: (clientId: string, outcome: TakeoverOutcome) => void;
}

interface Claim { readonly from: string; readonly fence: number }
type State =
  | { kind: 'owned'; fence: number }
  | { kind: 'claiming'; fence: number; peers: readonly string[]; waiting: Set<string>; snapshot: unknown; rejectedBy: (Claim & { settled: boolean }) | undefined; yieldTo: Claim[]; retried: boolean }
  /** Lost a race while holding the old owner's snapshot: it goes to the winner when its claim arrives. */
  | { kind: 'holding'; snapshot: unknown };

/** (fence, node) order: true when a beats b. */
export function outranks(a: Claim, b: Claim): boolean {
  return a.fence !== b.fence ? a.fence > b.fence : a.from > b.from;
}

export class TakeoverMachine {
  readonly #d: TakeoverMachineDeps;
  readonly #states = new Map<string, State>();
  #clock = 0;

  constructor(deps: TakeoverMachineDeps) { this.#d = deps; }

  get clock(): number { return this.#clock; }
  owns(clientId: string): boolean { return this.#states.get(clientId)?.kind === 'owned'; }

  /** A client connected here: claim its session from `peers` (the nodes currently reachable). */
  claim(clientId: string, peers: readonly string[]): void {
    const current = this.#states.get(clientId);
    const snapshot = current?.kind === 'holding' ? current.snapshot : null;
    const fence = ++this.#clock;
    const state: State = { kind: 'claiming', fence, peers, waiting: new Set(peers), snapshot, rejectedBy: undefined, yieldTo: [], retried: false };
    this.#states.set(clientId, state);
    for (const peer of peers) this.#d.send(peer, { t: 'tk-claim', clientId, fence });
    this.#maybeComplete(clientId, state);
  }

  /** The local session ended (clean disconnect, expiry): nothing to hand over any more. */
  release(clientId: string): void {
    if (this.#states.get(clientId)?.kind === 'owned') this.#states.delete(clientId);
  }

  receive(from: string, frame: TakeoverFrame): void {
    switch (frame.t) {
      case 'tk-claim': this.#onClaim(from, frame); break;
      case 'tk-grant': this.#onAnswer(from, frame.clientId, frame.fence, frame.snapshot, undefined); break;
      case 'tk-reject': this.#onAnswer(from, frame.clientId, frame.fence, null, { from: frame.winnerNode, fence: frame.winnerFence, settled: frame.settled }); break;
    }
  }

  /** A peer is gone: it can neither own nor answer; claims stop waiting for it. */
  peerDown(node: string): void {
    for (const [clientId, state] of this.#states) {
      if (state.kind === 'claiming' && state.waiting.delete(node)) this.#maybeComplete(clientId, state);
    }
  }

  /** Gives up waiting for silent peers (availability: a partitioned peer's session cannot be fetched). */
  timeout(clientId: string): void {
    const state = this.#states.get(clientId);
    if (state?.kind !== 'claiming') return;
    state.waiting.clear();
    this.#maybeComplete(clientId, state);
  }

  #onClaim(from: string, frame: ControlFrameOf<'tk-claim'>): void {
    const { clientId, fence } = frame;
    this.#clock = Math.max(this.#clock, fence);
    const claim: Claim = { from, fence };
    const state = this.#states.get(clientId);
    if (state === undefined) {
      this.#d.send(from, { t: 'tk-grant', clientId, fence, snapshot: null });
    } else if (state.kind === 'holding') {
      this.#states.delete(clientId);
      this.#d.send(from, { t: 'tk-grant', clientId, fence, snapshot: state.snapshot });
    } else if (state.kind === 'owned') {
      if (outranks(claim, { from: this.#d.self, fence: state.fence })) {
        this.#states.delete(clientId);
        this.#grantEvicted(from, clientId, fence);
      } else {
        this.#d.send(from, { t: 'tk-reject', clientId, fence, winnerFence: state.fence, winnerNode: this.#d.self, settled: true });
      }
    } else if (outranks({ from: this.#d.self, fence: state.fence }, claim)) {
      this.#d.send(from, { t: 'tk-reject', clientId, fence, winnerFence: state.fence, winnerNode: this.#d.self, settled: false });
    } else {
      // We lose this race; answer once our own claim has gathered what it will (the old owner's snapshot).
      state.yieldTo.push(claim);
    }
  }

  // The state is gone before the snapshot is ready: a later claim is answered as by a non-owner, and
  // the racing claimants settle between themselves (the loser hands this snapshot on).
  #grantEvicted(to: string, clientId: string, fence: number): void {
    const grant = (snapshot: unknown): void => this.#d.send(to, { t: 'tk-grant', clientId, fence, snapshot: snapshot ?? null });
    let result: unknown;
    try {
      result = this.#d.evict(clientId);
    } catch (err) {
      this.#d.onEvictError?.(clientId, err);
      grant(null);
      return;
    }
    if (!isPromiseLike(result)) { grant(result); return; }
    result.then(grant, (err: unknown) => { this.#d.onEvictError?.(clientId, err); grant(null); });
  }

  #onAnswer(from: string, clientId: string, fence: number, snapshot: unknown, reject: (Claim & { settled: boolean }) | undefined): void {
    const state = this.#states.get(clientId);
    if (state?.kind !== 'claiming' || state.fence !== fence || !state.waiting.delete(from)) return;
    if (snapshot !== null && snapshot !== undefined) state.snapshot = snapshot;
    if (reject) {
      this.#clock = Math.max(this.#clock, reject.fence);
      if (!state.rejectedBy || outranks(reject, state.rejectedBy)) state.rejectedBy = reject;
    }
    this.#maybeComplete(clientId, state);
  }

  #maybeComplete(clientId: string, state: Extract<State, { kind: 'claiming' }>): void {
    if (state.waiting.size > 0) return;
    const rejectedBy = state.rejectedBy;
    if (rejectedBy?.settled && !state.retried && state.yieldTo.length === 0) {
      // An owner that never saw our clock: the newest connection wins, so claim again above its fence.
      state.retried = true;
      state.rejectedBy = undefined;
      state.fence = ++this.#clock;
      state.waiting = new Set(state.peers);
      for (const peer of state.peers) this.#d.send(peer, { t: 'tk-claim', clientId, fence: state.fence });
      return;
    }
    if (rejectedBy || state.yieldTo.length > 0) {
      this.#states.delete(clientId);
      const winners = [...state.yieldTo].sort((a, b) => (outranks(a, b) ? -1 : 1));
      const top = winners[0];
      for (const w of winners) this.#d.send(w.from, { t: 'tk-grant', clientId, fence: w.fence, snapshot: w === top ? state.snapshot : null });
      // Rejected by a racing claimant whose claim has not reached us yet: keep the snapshot for it.
      if (!top && state.snapshot !== null && state.snapshot !== undefined) this.#states.set(clientId, { kind: 'holding', snapshot: state.snapshot });
      const winner = top ?? rejectedBy!;
      this.#d.settle(clientId, { won: false, winnerNode: winner.from, winnerFence: winner.fence });
      return;
    }
    this.#states.set(clientId, { kind: 'owned', fence: state.fence });
    this.#d.settle(clientId, { won: true, fence: state.fence, snapshot: state.snapshot });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
