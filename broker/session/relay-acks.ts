// End-to-end acknowledgement of relayed deliveries: a forward (or local publish) whose dispatch here
// relayed a QoS 1/2 delivery to the node its session moved to is acknowledged to its publisher only
// once that node holds it. Each dispatch is one batch; a relay adds an ack id the new owner answers.
// Rules: cluster/INVARIANTS.md "Hand-off".
import { PromiseAckWaiter, type AckWaiter } from '../routing/ack-waiter.js';

/** A relayed delivery was not acknowledged by the node it went to: its publisher must not be either. */
export class RelayError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RelayError';
  }
}

interface Batch {
  remaining: number;
  failed: string | undefined;
  /** Still collecting (its dispatch has not returned): it cannot settle yet. */
  open: boolean;
  /** Told once the batch settles (set when its dispatch ends; none: a dispatch outside any tracking). */
  waiter: AckWaiter | undefined;
}

interface Awaited { readonly batch: Batch; readonly node: string; readonly since: number }

/** What begin() hands back: the dispatch it interrupted (dispatches nest: a relay's own delivery). */
export type TrackingToken = Batch | null | undefined;

/** A delivery held on this node for later (a relay that arrived before its session): `node` of its hold. */
export const LOCAL_HOLD = '';

export class RelayAcks {
  /** The dispatch collecting: undefined when none, null while it has relayed nothing that needs an ack. */
  #current: Batch | null | undefined = undefined;
  readonly #awaited = new Map<number, Awaited>();
  #nextId = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Ack ids not yet answered (relays in flight, deliveries held here): what a leaving node waits for. */
  get pending(): number { return this.#awaited.size; }

  /** Whether a dispatch is collecting now (a relay made now gets an ack id). */
  get tracking(): boolean { return this.#current !== undefined; }

  /** Starts collecting one dispatch's relays. Two field writes: the hot path pays nothing else. */
  begin(): TrackingToken {
    const previous = this.#current;
    this.#current = null;
    return previous;
  }

  /**
   * Ends the dispatch begun with `begin()`: undefined when nothing it did waits for an ack, else a
   * promise that resolves once every relay it made is held where it went, and rejects with RelayError
   * when one is not (the caller then does not acknowledge the publish).
   */
  end(previous: TrackingToken): Promise<void> | undefined {
    const waiter = new PromiseAckWaiter();
    this.endInto(previous, waiter);
    const outcome = waiter.outcome();
    // A caller that finds nothing to wait for drops it (a batch nobody took): never an unhandled rejection.
    outcome?.catch(() => undefined);
    return outcome;
  }

  /**
   * The same through the callback seam: when the dispatch relayed something that needs an ack,
   * `waiter` holds one wait, settled (with a RelayError when a relay was not held) once all are.
   */
  endInto(previous: TrackingToken, waiter: AckWaiter): void {
    const batch = this.#current;
    this.#current = previous;
    if (batch === null || batch === undefined) return;
    batch.open = false;
    batch.waiter = waiter;
    waiter.hold();
    this.#settleIfDone(batch);
  }

  /**
   * Runs one dispatch, `fn.call(self, a, b, c)`, as a tracked one (begin, end): what it relayed
   * waits through `waiter`. A dispatch that throws acknowledges nothing, so nothing waits on its relays.
   * The function and its arguments are passed apart so that a publish allocates no closure for it.
   */
  track<T, A, B, C, R>(waiter: AckWaiter, self: T, fn: (this: T, a: A, b: B, c: C) => R, a: A, b: B, c: C): R {
    const previous = this.begin();
    let result: R;
    try {
      result = fn.call(self, a, b, c);
    } catch (err) {
      this.#abandon(previous);
      throw err;
    }
    this.endInto(previous, waiter);
    return result;
  }

  /** A relay of the current dispatch goes to `node`: the id it is to be acknowledged by. */
  expect(node: string): number {
    const batch = this.#batch();
    this.#nextId = this.#nextId >= Number.MAX_SAFE_INTEGER ? 1 : this.#nextId + 1;
    this.#awaited.set(this.#nextId, { batch, node, since: this.#now() });
    batch.remaining++;
    return this.#nextId;
  }

  /** The current dispatch could not relay something it had to (no link, too many hops): it fails. */
  failCurrent(why: string): void {
    if (this.#current === undefined) return;
    this.#batch().failed ??= why;
  }

  /** `node` holds these relayed deliveries (or, `ok` false, refused them: `why`). */
  answered(node: string, ids: readonly number[], ok: boolean, why = `${node || 'this node'} did not take a relayed delivery`): void {
    for (const id of ids) {
      const entry = this.#awaited.get(id);
      if (entry === undefined || entry.node !== node) continue; // a late answer to one already failed
      this.#awaited.delete(id);
      this.#resolveOne(entry.batch, ok ? undefined : why);
    }
  }

  /** The link to `node` closed: what it had not acknowledged may be lost there. */
  linkDown(node: string): void {
    for (const [id, entry] of this.#awaited) {
      if (entry.node !== node) continue;
      this.#awaited.delete(id);
      this.#resolveOne(entry.batch, `the link to ${node} closed before it acknowledged a relayed delivery`);
    }
  }

  /** Fails what waited longer than `timeoutMs`; returns how many. */
  sweep(timeoutMs: number): number {
    const deadline = this.#now() - timeoutMs;
    let failed = 0;
    for (const [id, entry] of this.#awaited) {
      if (entry.since > deadline) break; // insertion order is age order
      this.#awaited.delete(id);
      failed++;
      this.#resolveOne(entry.batch, `${entry.node || 'this node'} did not acknowledge a relayed delivery within ${timeoutMs} ms`);
    }
    return failed;
  }

  #batch(): Batch {
    const current = this.#current;
    if (current !== null && current !== undefined) return current;
    const batch: Batch = { remaining: 0, failed: undefined, open: true, waiter: undefined };
    this.#current = batch;
    return batch;
  }

  /** Ends a dispatch that failed: its batch, if any, settles with nobody told (nothing is acked for it). */
  #abandon(previous: TrackingToken): void {
    const batch = this.#current;
    this.#current = previous;
    if (batch !== null && batch !== undefined) batch.open = false;
  }

  #resolveOne(batch: Batch, failure: string | undefined): void {
    batch.remaining--;
    if (failure !== undefined) batch.failed ??= failure;
    this.#settleIfDone(batch);
  }

  #settleIfDone(batch: Batch): void {
    const waiter = batch.waiter;
    if (batch.open || batch.remaining > 0 || waiter === undefined) return;
    batch.waiter = undefined; // told once
    waiter.settled(batch.failed === undefined ? undefined : new RelayError(batch.failed));
  }
}
