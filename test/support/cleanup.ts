// Collects what a test opened (brokers, clients, sockets, temp dirs) and closes it all,
// newest first, so a failing test never leaks a process or a socket into the next one.
export type Closer = () => unknown;

export class Cleanup {
  #closers: Closer[] = [];

  /** Registers `closer` and returns `value`, so `cleanup.add(x, () => x.close())` reads inline. */
  add<T>(value: T, closer: Closer): T {
    this.#closers.push(closer);
    return value;
  }

  /** Runs every closer (newest first); one failing closer does not stop the others. */
  async run(): Promise<void> {
    const closers = this.#closers.reverse();
    this.#closers = [];
    const errors: unknown[] = [];
    for (const closer of closers) {
      try { await closer(); } catch (err) { errors.push(err); }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cleanup step(s) failed`);
  }
}
