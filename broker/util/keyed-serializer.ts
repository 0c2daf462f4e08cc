// Runs async tasks one at a time per key, in the order they were asked for (tasks of other keys run
// concurrently). Used where a decision must see what an earlier task of the same key made of things.
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task of `key` has settled; its outcome is `task`'s. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const result = previous === undefined ? task() : previous.then(task);
    // The next task waits for this one whatever its outcome; the caller sees the outcome itself.
    const tail = result.then(() => undefined, () => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => { if (this.#tails.get(key) === tail) this.#tails.delete(key); });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number { return this.#tails.size; }
}
