// A connection's acknowledgements in PUBLISH order [MQTT-4.6.0-2/3], without a Promise or a closure
// per acknowledged publish (issue 12): each ack is a pooled record that is the AckWaiter its waits
// (a cluster forward, a relay, a store batch) settle, sent once it and every earlier one is settled.
import type { AckWaiter } from '../routing/ack-waiter.js';

/** What an ack does once settled; one shared object per kind of ack (no closure per ack). */
export interface AckAction<O> {
  send(owner: O, record: AckRecord<O>): void;
  fail(owner: O, record: AckRecord<O>, err: unknown): void;
}

/** Records kept for reuse per connection: enough for a turn's acks; an idle connection holds no more. */
const SPARE_MAX = 64;
/** How far the queue's head may advance before the answered front is cut off. */
const COMPACT_AT = 1024;

export class AckRecord<O> implements AckWaiter {
  readonly #queue: OrderedAcks<O>;
  action: AckAction<O> | undefined;
  /** Waits held and not settled yet. */
  waits = 0;
  /** Still being built (its publish is dispatching): it cannot be sent yet. */
  open = true;
  /** Nothing is sent for it (its PUBLISH failed before the ack was decided). */
  silent = false;
  err: unknown;
  // The ack's data, for the action (a publish ack's packet id, QoS, reason code and topic; a generic
  // ack's functions).
  packetId = 0;
  qos = 0;
  reasonCode = 0;
  topic = '';
  sendFn: (() => void) | undefined;
  failFn: ((err: unknown) => void) | undefined;

  constructor(queue: OrderedAcks<O>) { this.#queue = queue; }

  hold(): void { this.waits++; }

  settled(err: Error | undefined): void {
    if (err !== undefined && this.err === undefined) this.err = err;
    if (--this.waits === 0 && !this.open) this.#queue.drain();
  }

  /** Back to a fresh record, for reuse. */
  reset(): void {
    this.action = undefined;
    this.waits = 0;
    this.open = true;
    this.silent = false;
    this.err = undefined;
    this.packetId = 0;
    this.qos = 0;
    this.reasonCode = 0;
    this.topic = '';
    this.sendFn = undefined;
    this.failFn = undefined;
  }
}

/** Acks waiting on one promise (a store batch serves many publishes: one callback pair for all). */
interface Watch<O> { readonly records: AckRecord<O>[] }

export class OrderedAcks<O> {
  readonly #owner: O;
  readonly #onError: (err: unknown) => void;
  readonly #queue: AckRecord<O>[] = [];
  #head = 0;
  readonly #spare: AckRecord<O>[] = [];
  #draining = false;
  #again = false;
  #lastPromise: Promise<void> | undefined;
  #lastWatch: Watch<O> | undefined;

  /** `onError`: an action that threw (logged by the owner; the acks after it still go). */
  constructor(owner: O, onError: (err: unknown) => void) {
    this.#owner = owner;
    this.#onError = onError;
  }

  /** Nothing waits: an ack decided now may be sent at once. */
  get idle(): boolean { return this.#head === this.#queue.length; }

  /** A new ack, in order after every earlier one; open until `seal`. */
  begin(action: AckAction<O>): AckRecord<O> {
    const record = this.#spare.pop() ?? new AckRecord<O>(this);
    record.action = action;
    this.#queue.push(record);
    return record;
  }

  /** `record` also waits for `promise` (a store batch). */
  watch(record: AckRecord<O>, promise: Promise<void>): void {
    record.hold();
    if (promise === this.#lastPromise && this.#lastWatch !== undefined) {
      this.#lastWatch.records.push(record);
      return;
    }
    const watch: Watch<O> = { records: [record] };
    this.#lastPromise = promise;
    this.#lastWatch = watch;
    promise.then(() => this.#settleWatch(promise, watch, undefined), (err: unknown) => this.#settleWatch(promise, watch, err instanceof Error ? err : new Error(String(err))));
  }

  /** The ack is decided: it goes once its waits settle and every earlier ack has gone. */
  seal(record: AckRecord<O>): void {
    record.open = false;
    if (record.waits === 0) this.drain();
  }

  /** Sends every ack at the front that is settled, in order. */
  drain(): void {
    if (this.#draining) { this.#again = true; return; }
    this.#draining = true;
    try {
      do {
        this.#again = false;
        this.#drainOnce();
      } while (this.#again);
    } finally {
      this.#draining = false;
    }
  }

  #drainOnce(): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const record = queue[this.#head]!;
      if (record.open || record.waits > 0) break;
      this.#head++;
      try {
        const action = record.action!;
        if (record.silent) { /* its PUBLISH failed: nothing to send */ } else if (record.err !== undefined) action.fail(this.#owner, record, record.err);
        else action.send(this.#owner, record);
      } catch (err) {
        this.#onError(err);
      }
      record.reset();
      if (this.#spare.length < SPARE_MAX) this.#spare.push(record);
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AT) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #settleWatch(promise: Promise<void>, watch: Watch<O>, err: Error | undefined): void {
    if (this.#lastPromise === promise) { this.#lastPromise = undefined; this.#lastWatch = undefined; }
    for (const record of watch.records) record.settled(err);
  }
}

/** The action of an ack given as two functions (the rare acks: a resent QoS 2, PUBCOMP). */
export const FUNCTION_ACK: AckAction<unknown> = Object.freeze({
  send(_owner: unknown, record: AckRecord<unknown>): void { record.sendFn!(); },
  fail(_owner: unknown, record: AckRecord<unknown>, err: unknown): void { record.failFn!(err); },
});
