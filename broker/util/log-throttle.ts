// At most one log line per interval for an event that can repeat per message (a peer refusing
// forwards, say): the first goes out at once, later ones are counted and reported with the next.
export class LogThrottle {
  readonly #intervalMs: number;
  #last = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(intervalMs: number) { this.#intervalMs = intervalMs; }

  /** undefined: stay quiet; else how many were suppressed since the last line. */
  take(now: number): number | undefined {
    if (now - this.#last < this.#intervalMs) {
      this.#suppressed++;
      return undefined;
    }
    this.#last = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return suppressed;
  }
}
