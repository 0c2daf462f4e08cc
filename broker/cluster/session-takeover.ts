// The shell around TakeoverMachine: sends its frames over the mesh, times out silent peers, and
// turns a claim into a promise the broker's session layer awaits before accepting a CONNECT.
import { encodeControl } from './frame-codec.js';
import { TakeoverMachine, type EvictResult, type TakeoverFrame, type TakeoverOutcome } from './takeover-machine.js';

export interface SessionTakeoverDeps {
  readonly self: string;
  /** Peers to ask (every connected peer). */
  readonly peers: () => string[];
  readonly sendTo: (node: string, frame: Buffer) => boolean;
  /**
   * Refuse when a live local connection of `clientId` belongs to another user than `claimant` (null:
   * anonymous); else close it with v5 reason 0x8E, drop the session and return its snapshot (null if none).
   */
  readonly evict: (clientId: string, claimant: string | null, claimantNode: string) => EvictResult | PromiseLike<EvictResult>;
  readonly timeoutMs: number;
  /** A peer connected but silent (not up): the claim goes to it, but is not held up waiting for it. */
  readonly isSilent?: (node: string) => boolean;
  /** A session given up to another node (not called for a refusal): `takeovers{scope="cluster"}`. */
  readonly onEvicted?: (clientId: string) => void;
  readonly onEvictError?: (clientId: string, err: unknown) => void;
  /** A snapshot this node held while claiming went on to the claim that won (`to`). */
  readonly onHandedOn?: (clientId: string, to: string) => void;
}

export class SessionTakeover {
  readonly #machine: TakeoverMachine;
  readonly #waiters = new Map<string, { resolve(o: TakeoverOutcome): void; timer: NodeJS.Timeout }>();
  readonly #d: SessionTakeoverDeps;

  constructor(deps: SessionTakeoverDeps) {
    this.#d = deps;
    this.#machine = new TakeoverMachine({
      self: deps.self,
      evict: (clientId, claimant, claimantNode) => {
        const counted = (r: EvictResult): EvictResult => { if (!r.refused) deps.onEvicted?.(clientId); return r; };
        const result = deps.evict(clientId, claimant, claimantNode);
        return 'then' in result ? Promise.resolve(result).then(counted) : counted(result);
      },
      ...(deps.onEvictError ? { onEvictError: deps.onEvictError } : {}),
      ...(deps.onHandedOn ? { onHandedOn: deps.onHandedOn } : {}),
      send: (to, frame) => { deps.sendTo(to, encodeControl(frame)); },
      settle: (clientId, outcome) => {
        const w = this.#waiters.get(clientId);
        if (!w) return;
        this.#waiters.delete(clientId);
        clearTimeout(w.timer);
        w.resolve(outcome);
      },
    });
  }

  /**
   * Claims `clientId` for this node. Won: this node owns it, with the old owner's snapshot (or null).
   * Lost: another node's concurrent claim won; close the new connection with 0x8E. Refused: a live
   * connection of another user holds the id; refuse the new connection (not authorized).
   */
  claim(clientId: string, username: string | null): Promise<TakeoverOutcome> {
    const previous = this.#waiters.get(clientId);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#machine.timeout(clientId), this.#d.timeoutMs);
      timer.unref();
      // A second local CONNECT for the same id supersedes the first claim: the first loses.
      if (previous) { clearTimeout(previous.timer); previous.resolve({ won: false, winnerNode: this.#d.self, winnerFence: this.#machine.clock + 1 }); }
      this.#waiters.set(clientId, { resolve, timer });
      const peers = this.#d.peers();
      this.#machine.claim(clientId, peers, username);
      for (const peer of peers) if (this.#d.isSilent?.(peer) === true) this.#machine.peerSilent(peer);
    });
  }

  release(clientId: string): void { this.#machine.release(clientId); }
  owns(clientId: string): boolean { return this.#machine.owns(clientId); }
  receive(from: string, frame: TakeoverFrame): void { this.#machine.receive(from, frame); }
  peerDown(node: string): void { this.#machine.peerDown(node); }
  /** `node` stopped answering (suspect) with its connection still open: claims in flight stop waiting for it. */
  peerSilent(node: string): void { this.#machine.peerSilent(node); }

  close(): void {
    for (const [, w] of this.#waiters) clearTimeout(w.timer);
    this.#waiters.clear();
  }
}
