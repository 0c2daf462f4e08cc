// One session's writes within one journal batch. Writes that cancel out before the batch is sent
// are dropped here: a message sent and acknowledged by its subscriber within one store round trip
// (the common case under load) never reaches the store; nor does a queued entry sent at once. The
// shifts of stored queue entries within a batch become one (one LTRIM, not one per PUBACK).
import type { SessionOp, StoredDelivery, StoredInflight } from './store.js';

/** What the journal needs of a session (Session implements it). */
export interface JournalSubject {
  readonly clientId: string;
  /** The session's fence in the store; 0: the session is not stored (nothing is written). */
  fence: number;
  /** Batches written under the current fence (SessionWrites.seq). */
  writeSeq: number;
  /** The slot of the open batch, owned by the journal (no lookup by client id on the hot path). */
  journalSlot: JournalSlot | undefined;
}

export class JournalSlot {
  readonly subject: JournalSubject;
  readonly fence: number;
  readonly batchId: number;
  /** The ops in order; a cancelled one becomes undefined. */
  readonly ops: Array<SessionOp | undefined> = [];
  /** Rewrite the whole session from memory instead (it is dirty: an earlier write failed). */
  replace = false;
  /** Outcome listeners (a will waits for its fenced record write before it is published). */
  listeners: Array<(outcome: SlotOutcome) => void> | undefined;
  /** Inflight entries created in this batch: packet id -> op index. */
  #created: Map<number, number> | undefined;
  /** Indexes of this batch's queue pushes not yet shifted, oldest first, from #pushHead. */
  #pushes: number[] | undefined;
  #pushHead = 0;
  #record = -1;
  /** The batch's one shift of entries the store held before it (merged while nothing reorders the queue). */
  #storeShift: { k: 'shift'; count: number } | undefined;

  constructor(subject: JournalSubject, batchId: number) {
    this.subject = subject;
    this.fence = subject.fence;
    this.batchId = batchId;
  }

  op(op: SessionOp): void {
    if (op.k === 'record') {
      // Only the last record of a batch matters.
      if (this.#record >= 0) this.ops[this.#record] = undefined;
      this.#record = this.ops.length;
    } else if (op.k === 'clearQueue') {
      this.#cancelPushes(Number.POSITIVE_INFINITY);
      this.#storeShift = undefined;
    } else if (op.k === 'expireQueue') {
      // Expiry removes entries from the middle: later shifts count the store's queue as memory's.
      this.#pushHead = this.#pushes?.length ?? 0;
      this.#storeShift = undefined;
    } else if (op.k === 'delete' || op.k === 'replace') {
      this.#storeShift = undefined;
      this.ops.length = 0;
      this.#created = undefined;
      this.#pushes = undefined;
      this.#pushHead = 0;
      this.#record = -1;
    }
    this.ops.push(op);
  }

  /** `created`: the entry is new (first send), not a state change of one the store may hold. */
  putInflight(entry: StoredInflight, created: boolean): void {
    const at = this.#created?.get(entry.packetId);
    if (at !== undefined) {
      this.ops[at] = { k: 'inflight', entry };
      return;
    }
    if (created) (this.#created ??= new Map()).set(entry.packetId, this.ops.length);
    this.ops.push({ k: 'inflight', entry });
  }

  deleteInflight(packetId: number): void {
    const at = this.#created?.get(packetId);
    if (at !== undefined) {
      // Sent and completed before the store saw it: nothing to store, nothing to delete.
      this.ops[at] = undefined;
      this.#created!.delete(packetId);
      return;
    }
    this.ops.push({ k: 'inflightDel', packetId });
  }

  push(delivery: StoredDelivery): void {
    (this.#pushes ??= []).push(this.ops.length);
    this.ops.push({ k: 'push', delivery });
  }

  /** `sizeBefore`: the session's queue length before these `count` left it (memory is the truth). */
  shift(count: number, sizeBefore: number): void {
    const pending = (this.#pushes?.length ?? 0) - this.#pushHead;
    const stored = Math.max(0, sizeBefore - pending);
    const fromStore = Math.min(count, stored);
    if (fromStore > 0) {
      // Entries the store held before this batch sit ahead of its pushes, so trimming them all at
      // the first shift's place leaves the same list (until a clear, expiry or rewrite: see op()).
      if (this.#storeShift !== undefined) this.#storeShift.count += fromStore;
      else this.ops.push(this.#storeShift = { k: 'shift', count: fromStore });
    }
    this.#cancelPushes(count - fromStore);
  }

  /** How many ops will be sent (cancelled ones aside). */
  get liveOps(): number {
    let n = 0;
    for (const op of this.ops) if (op !== undefined) n++;
    return n;
  }

  liveOpList(): SessionOp[] {
    const out: SessionOp[] = [];
    for (const op of this.ops) if (op !== undefined) out.push(op);
    return out;
  }

  #cancelPushes(count: number): void {
    const pushes = this.#pushes;
    if (pushes === undefined) return;
    while (count > 0 && this.#pushHead < pushes.length) {
      this.ops[pushes[this.#pushHead++]!] = undefined;
      count--;
    }
  }
}

export type SlotOutcome = 'ok' | 'fenced' | 'failed';
