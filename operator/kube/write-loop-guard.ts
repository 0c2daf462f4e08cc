// Objects for which compare-by-subset is off: our own write of a desired hash still left the
// object different (a server normalisation the comparison does not model). Remembered per
// (uid, hash), so a new desired state compares by subset again; bounded, oldest forgotten first.
export class WriteLoopGuard {
  readonly #hashes = new Map<string, string>();
  readonly #max: number;

  constructor(max = 10_000) { this.#max = max; }

  /** Whether a difference after our write of `hash` to `uid` was already seen. */
  has(uid: string | undefined, hash: string): boolean {
    return uid !== undefined && this.#hashes.get(uid) === hash;
  }

  /** Remembers it; true the first time (log it once). */
  add(uid: string, hash: string): boolean {
    if (this.#hashes.get(uid) === hash) return false;
    this.#hashes.delete(uid);
    this.#hashes.set(uid, hash);
    if (this.#hashes.size > this.#max) this.#hashes.delete(this.#hashes.keys().next().value as string);
    return true;
  }
}
