// The shell around TakeoverMachine: sends its frames over the mesh, times out silent peers, and
// turns a claim into a promise the broker's session layer awaits before accepting a CONNECT.
import { encodeControl } from './frame-codec.js';
import { TakeoverMachine, type TakeoverFrame, type TakeoverOutcome } from './takeover-machine.js';

export interface SessionTakeoverDeps {
  readonly self: string;
  /** Peers to ask (every connected peer). */
  readonly peers: () => string[];
  readonly sendTo: (node: string, frame: Buffer) => boolean;
  /** Close the local connection with v5 reason 0x8E, drop the session, return its snapshot (null if none). */
  readonly evict: (clientId: string) => unknown;
  readonly timeoutMs: number;
  /** Counted as `takeovers{scope="cluster"}` by the caller. */
  readonly onEvicted?: (clientId: string) => void;
  readonly onEvictError?: (clientId: string, err: unknown) => void;
}

export class SessionTakeover {
  readonly #machine: TakeoverMachine;
  readonly #waiters = new Map<string, { resolve(o: TakeoverOutcome): void; timer: NodeJS.Timeout }>();
  readonly #d: SessionTakeoverDeps;

  constructor(deps: SessionTakeoverDeps) {
    this.#d = deps;
    this.#machine = new TakeoverMachine({
      self: deps.self,
      evict: (clientId) => { const s = deps.evict(clientId); deps.onEvicted?.(clientId); return s; },
      ...(deps.onEvictError ? { onEvictError: deps.onEvictError } : {}),
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
   * Lost: another node's concurrent claim won; close the new connection with 0x8E.
   */
  claim(clientId: string): Promise<TakeoverOutcome> {
    const previous = this.#waiters.get(clientId);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#machine.timeout(clientId), this.#d.timeoutMs);
      timer.unref();
      // A second local CONNECT for the same id supersedes the first claim: the first loses.
      if (previous) { clearTimeout(previous.timer); previous.resolve({ won: false, winnerNode: this.#d.self, winnerFence: this.#machine.clock + 1 }); }
      this.#waiters.set(clientId, { resolve, timer });
      this.#machine.claim(clientId, this.#d.peers());
    });
  }

  release(clientId: string): void { this.#machine.release(clientId); }
  owns(clientId: string): boolean { return this.#machine.owns(clientId); }
  receive(from: string, frame: TakeoverFrame): void { this.#machine.receive(from, frame); }
  peerDown(node: string): void { this.#machine.peerDown(node); }

  close(): void {
    for (const [, w] of this.#waiters) clearTimeout(w.timer);
    this.#waiters.clear();
  }
}
