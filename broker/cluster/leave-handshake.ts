// A graceful leave's wait: the leaver sends `leave` to every peer, then waits (bounded) for each
// peer that speaks the hand-off protocol to answer `bye` — or to close — so that whatever a peer sent
// before dropping the leaver (publishes already forwarded) still reaches the leaver and is relayed.

export class LeaveHandshake {
  #awaited = new Set<string>();
  #answered = new Set<string>();
  #notify: (() => void) | undefined;

  /** Starts a wait for `peers`. */
  expect(peers: Iterable<string>): void {
    this.#awaited = new Set(peers);
    this.#answered = new Set();
  }

  /** `node` answered bye, or its connection closed: it sends nothing more. */
  answered(node: string): void {
    this.#answered.add(node);
    this.#notify?.();
  }

  /** Resolves with the peers that did not answer within `timeoutMs` (empty when all did). */
  async wait(timeoutMs: number): Promise<string[]> {
    const missing = (): string[] => [...this.#awaited].filter((n) => !this.#answered.has(n));
    if (missing().length > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.#notify = () => {
          if (missing().length > 0) return;
          clearTimeout(timer);
          resolve();
        };
      });
      this.#notify = undefined;
    }
    return missing();
  }
}
