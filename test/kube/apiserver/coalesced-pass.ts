// The shape of the emulator's in-process controllers (garbage collector, namespaces, CRDs): after
// any store write, one pass runs on the next turn of the event loop, however many writes woke it,
// so a controller acts after the write that woke it, never inside it (watch order stays true).
import type { Logger } from '../../../broker/contract/logger.js';
import type { ObjectStore, StoreEvent } from './object-store.js';

export class CoalescedPass {
  readonly #run: () => void;
  readonly #logger: Logger;
  readonly #what: string;
  readonly #unsubscribe: () => void;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  /** `onEvent` sees every write synchronously before the pass (to update what the pass reads). */
  constructor(store: ObjectStore, run: () => void, logger: Logger, what: string, onEvent?: (event: StoreEvent) => void) {
    this.#run = run;
    this.#logger = logger;
    this.#what = what;
    this.#unsubscribe = store.subscribe((event) => { onEvent?.(event); this.#schedule(); });
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      // A failed pass is reported and retried on the next write, as a controller requeues.
      try { this.#run(); } catch (err) { this.#logger.error(`${this.#what} pass failed`, { err }); }
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#unsubscribe();
  }
}
