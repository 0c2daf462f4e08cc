// The write journal: every store write is queued synchronously in the open batch and the batch goes
// out as one commit per event-loop turn (group commit: up to `maxInFlight` batches in flight, in
// order, the next gathers meanwhile). An acknowledgement waits for the batch holding its writes; a
// batch that fails refuses it (and a later one that built on it: the store checks each session's
// batch sequence), and the sessions it touched are rewritten whole once the store answers again.
// With a store that is not durable every call is a no-op and nothing is allocated. Memory stays
// bounded while the store is slow or away: at most maxPendingWrites ops wait in the open batch
// (beyond that it is refused at once, 0x97), and a refused batch leaves only a dirty mark per session.
import type { Logger } from '../contract/logger.js';
import type { Message } from '../routing/message.js';
import { JournalSlot, type JournalSubject, type SlotOutcome } from './journal-slot.js';
import { StoreAvailability } from './store-availability.js';
import { classifyStoreFailure, type StoreFailureCause } from './store-failure.js';
import { StoreError } from './store.js';
import { both } from '../util/settle-both.js';
import type { IndexWrite, RetainedWrite, SessionDiscard, SessionOp, SessionState, SessionWrites, Store, StoreBatch } from './store.js';

/** Writes without a coalescing rule of their own (those have their own methods below). */
export type StoreOp = Exclude<SessionOp, { k: 'push' | 'shift' | 'inflight' | 'inflightDel' }>;

export type { JournalSubject } from './journal-slot.js';

export interface JournalHooks {
  /** A dirty session's whole state as memory has it now, or undefined when it no longer lives here. */
  stateOf(subject: JournalSubject): { state: SessionState; expiresAt: number; owner: string } | undefined;
  /** The retained message memory holds for `topic` now (undefined: none). */
  retainedOf(topic: string): Message | undefined;
  /** The store refused a session's writes: another node owns it now. */
  fenced(subject: JournalSubject): void;
}

export interface JournalMetrics {
  batch(result: 'ok' | 'failed' | 'refused', writes: number, seconds: number): void;
  fenced(): void;
  availability(up: boolean): void;
  /** A batch the store failed (not one refused while it is known down), by why. */
  failure(cause: StoreFailureCause): void;
}

export interface WriteJournalDeps {
  readonly store: Store;
  readonly logger: Logger;
  readonly now: () => number;
  readonly hooks: JournalHooks;
  readonly metrics?: JournalMetrics;
  /** Dirty sessions rewritten per batch besides those the batch touches. */
  readonly resyncPerBatch?: number;
  /** How long a batch waits before it goes when a slot is free (0: at the end of the turn). */
  readonly lingerMs?: number;
  /**
   * Ops the open batch may gather while every in-flight slot is taken (a slow or hung store); the
   * next one refuses the open batch at once (its sessions are rewritten from memory later) instead
   * of holding more. Default MAX_PENDING_WRITES.
   */
  readonly maxPendingWrites?: number;
  /** Batches sent and not yet answered at most (default 1); the store applies them in order. */
  readonly maxInFlight?: number;
  /** While the store is up and no write had an outcome for this long, a probe write (default IDLE_CHECK_MS). */
  readonly idleCheckMs?: number;
}

interface Batch {
  readonly id: number;
  readonly slots: JournalSlot[];
  readonly discards: SessionDiscard[];
  readonly retained: Map<string, Message | undefined>;
  readonly index: IndexWrite[];
  promise: Promise<void> | undefined;
  resolve: (() => void) | undefined;
  reject: ((err: Error) => void) | undefined;
}

const RESYNC_PER_BATCH = 256;
export const MAX_PENDING_WRITES = 100_000;
/** A dead store shows on /readyz within about this (plus the command timeout) even with no traffic. */
export const IDLE_CHECK_MS = 2000;

export class WriteJournal {
  readonly durable: boolean;
  readonly availability: StoreAvailability;
  readonly #d: WriteJournalDeps;
  #open: Batch;
  /** Commits sent and not yet answered (they never reject). */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #maxInFlight: number;
  /** When each dirty session was found dirty: the open batch's id then (a rewrite built before it does not clean it). */
  readonly #dirtyAt = new Map<string, number>();
  #scheduled = false;
  #nextId = 1;
  /** Ops queued since start: a publish compares before and after (mark / since). */
  #opCount = 0;
  readonly #dirty = new Map<string, JournalSubject>();
  readonly #dirtyRetained = new Set<string>();
  readonly #dirtyDiscards = new Map<string, number>();
  /** Index writes of failed batches, retried (they are idempotent) until one goes through. */
  readonly #dirtyIndex = new Map<string, IndexWrite>();
  #closed = false;
  /** Ops queued in the open batch, and in the batch in flight. */
  #openOps = 0;
  #inFlightOps = 0;
  /** The last open batch refused for its size: a publish whose ops began before it waits on its refusal. */
  #overflow: { readonly at: number; readonly promise: Promise<void> } | undefined;
  #backlogLogged = false;
  /** The last open batch sent early for its size (see since). */
  #cut: { readonly at: number; readonly promise: Promise<void>; settled: boolean } | undefined;

  constructor(deps: WriteJournalDeps) {
    this.#d = deps;
    this.durable = deps.store.durable;
    this.#maxInFlight = Math.max(1, deps.maxInFlight ?? 1);
    this.#open = this.#newBatch();
    this.availability = new StoreAvailability({
      ping: (after) => deps.store.ping(after), logger: deps.logger, now: deps.now,
      // A durable store that died while no one wrote must still show on /readyz (cheap: one tiny write).
      idleCheckMs: deps.store.durable ? (deps.idleCheckMs ?? IDLE_CHECK_MS) : 0,
      onChange: (up) => {
        deps.metrics?.availability(up);
        if (up && this.#hasResync()) this.#schedule();
      },
    });
  }

  get up(): boolean { return this.availability.up; }
  get dirtySessions(): number { return this.#dirty.size; }
  /** Ops waiting for the store: the open batch and those in flight (at most about (maxInFlight + 1) x maxPendingWrites). */
  get pendingWrites(): number { return this.#openOps + this.#inFlightOps; }

  /** A position in the journal; `since(mark)` is the wait for everything queued after it. */
  mark(): number { return this.#opCount; }

  /** Settles when the writes queued since `mark` are stored (rejects when they could not be); undefined when none were. */
  since(mark: number): Promise<void> | undefined {
    if (this.#opCount === mark) return undefined;
    // Some of its ops were in a batch refused for its size since the mark: refused with it.
    if (this.#overflow !== undefined && mark < this.#overflow.at) return this.#overflow.promise;
    if (this.#cut !== undefined && mark < this.#cut.at) return both(this.#cut.promise, this.#promiseOf(this.#open));
    return this.#promiseOf(this.#open);
  }

  /** Settles when everything queued so far has been tried (never rejects): before a takeover or stop. */
  async settled(): Promise<void> {
    if (!this.durable) return;
    const waits: Array<Promise<void>> = [...this.#inFlight];
    if (!this.#isEmpty(this.#open)) waits.push(this.#promiseOf(this.#open).catch(() => undefined));
    await Promise.all(waits);
  }

  op(subject: JournalSubject, op: StoreOp): void {
    const slot = this.#slot(subject);
    if (slot !== undefined) slot.op(op);
  }

  putInflight(subject: JournalSubject, entry: Parameters<JournalSlot['putInflight']>[0], created: boolean): void {
    this.#slot(subject)?.putInflight(entry, created);
  }

  deleteInflight(subject: JournalSubject, packetId: number): void {
    this.#slot(subject)?.deleteInflight(packetId);
  }

  push(subject: JournalSubject, delivery: Parameters<JournalSlot['push']>[0]): void {
    this.#slot(subject)?.push(delivery);
  }

  shift(subject: JournalSubject, count: number, sizeBefore: number): void {
    this.#slot(subject)?.shift(count, sizeBefore);
  }

  /** Calls `listener` with how this subject's writes queued so far fared (ok at once when none are queued). */
  onWritten(subject: JournalSubject, listener: (outcome: SlotOutcome) => void): void {
    const slot = this.#slot(subject);
    if (slot === undefined) { listener('ok'); return; }
    (slot.listeners ??= []).push(listener);
  }

  discard(clientId: string, before: number): void {
    if (!this.durable || this.#closed) return;
    this.#open.discards.push({ clientId, before });
    this.#queued();
  }

  retained(topic: string, message: Message | undefined): void {
    if (!this.durable || this.#closed) return;
    this.#open.retained.set(topic, message);
    this.#queued();
  }

  index(owner: string, clientId: string, add: boolean): void {
    if (!this.durable || this.#closed) return;
    this.#open.index.push({ owner, clientId, add });
    this.#queued();
  }

  /** The session left this node (handed over): what it still owed the store is no longer this node's to write. */
  forget(subject: JournalSubject): void {
    if (this.#dirty.get(subject.clientId) === subject) this.#undirty(subject.clientId);
  }

  /** The session's store state is unknown (a write of it may or may not have landed): rewrite it. */
  markDirty(subject: JournalSubject): void {
    if (!this.durable || subject.fence === 0) return;
    this.#dirty.set(subject.clientId, subject);
    this.#dirtyAt.set(subject.clientId, this.#open.id);
    if (this.availability.up && this.#inFlight.size < this.#maxInFlight) this.#schedule();
  }

  /** Stops taking writes after flushing what is queued (bounded by the store's own timeouts). */
  async close(): Promise<void> {
    await this.settled();
    this.#closed = true;
    this.availability.close();
  }

  #slot(subject: JournalSubject): JournalSlot | undefined {
    if (!this.durable || subject.fence === 0 || this.#closed) return undefined;
    if (this.#openOps >= (this.#d.maxPendingWrites ?? MAX_PENDING_WRITES)) {
      // Full: it goes now when the store is free (a starved event loop may not reach the linger
      // timer for long), else it is refused. Either way a publish that began before waits on it too.
      if (this.#inFlight.size >= this.#maxInFlight) this.#refuseOpen();
      else this.#cutOpen();
    }
    let slot = subject.journalSlot;
    if (slot === undefined || slot.batchId !== this.#open.id) {
      slot = new JournalSlot(subject, this.#open.id);
      if (this.#dirty.has(subject.clientId)) slot.replace = true;
      subject.journalSlot = slot;
      this.#open.slots.push(slot);
    }
    this.#queued();
    return slot;
  }

  #queued(): void {
    this.#opCount++;
    this.#openOps++;
    if (!this.#scheduled && this.#inFlight.size < this.#maxInFlight) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    const flush = (): void => { this.#scheduled = false; this.#flush(); };
    // After this turn's I/O callbacks: everything they queued goes in one batch. With a linger the
    // batch waits a little longer when a slot is free, so that a message its subscriber
    // acknowledges meanwhile (a loopback or LAN round trip) is never written at all.
    const linger = this.#d.lingerMs ?? 0;
    if (linger > 0) setTimeout(flush, linger); else setImmediate(flush);
  }

  #newBatch(): Batch {
    return { id: this.#nextId++, slots: [], discards: [], retained: new Map(), index: [], promise: undefined, resolve: undefined, reject: undefined };
  }

  #promiseOf(batch: Batch): Promise<void> {
    if (batch.promise === undefined) {
      batch.promise = new Promise<void>((resolve, reject) => { batch.resolve = resolve; batch.reject = reject; });
      // A batch nobody waits on must not report an unhandled rejection.
      batch.promise.catch(() => undefined);
    }
    return batch.promise;
  }

  #hasResync(): boolean {
    return this.#dirty.size > 0 || this.#dirtyRetained.size > 0 || this.#dirtyDiscards.size > 0 || this.#dirtyIndex.size > 0;
  }

  #isEmpty(batch: Batch): boolean {
    return batch.slots.length === 0 && batch.discards.length === 0 && batch.retained.size === 0 && batch.index.length === 0;
  }

  /**
   * The store has not answered the batches in flight and the open one is full: refuse it now
   * (cause backlog) rather than hold more. What it held is rewritten from memory once the store
   * answers; its acks are refused, so nothing unstored is acknowledged.
   */
  #refuseOpen(): void {
    const batch = this.#open;
    const ops = this.#openOps;
    this.#open = this.#newBatch();
    this.#openOps = 0;
    for (const slot of batch.slots) {
      if (slot.subject.journalSlot === slot) slot.subject.journalSlot = undefined;
      this.markDirty(slot.subject);
    }
    for (const topic of batch.retained.keys()) this.#dirtyRetained.add(topic);
    for (const d of batch.discards) this.#dirtyDiscards.set(d.clientId, d.before);
    for (const i of batch.index) this.#dirtyIndex.set(`${i.owner}\0${i.clientId}`, i);
    const cap = this.#d.maxPendingWrites ?? MAX_PENDING_WRITES;
    if (!this.#backlogLogged) {
      this.#backlogLogged = true;
      this.#d.logger.warn('store backlog: more writes wait for the store than store.maxPendingWrites; QoS 1/2 publishes to persistent sessions are refused (0x97) until it catches up', { maxPendingWrites: cap });
    }
    this.#d.metrics?.batch('refused', ops, 0);
    this.#d.metrics?.failure('backlog');
    const error = new StoreError(`more than ${cap} writes wait for the store (store.maxPendingWrites)`, { failureCause: 'backlog' });
    this.#overflow = { at: this.#opCount, promise: this.#promiseOf(batch) };
    for (const slot of batch.slots) for (const l of slot.listeners ?? []) l('failed');
    batch.reject?.(error);
  }

  /** Sends the full open batch now (an in-flight slot is free). */
  #cutOpen(): void {
    const own = this.#promiseOf(this.#open);
    // A second cut while the first one's batch is unanswered (several in flight): one publish's
    // fan-out may span both, so it waits on both, never on the last alone (refusing more, never less).
    const previous = this.#cut;
    const promise = previous !== undefined && !previous.settled ? Promise.all([previous.promise, own]).then(() => undefined) : own;
    const cut = { at: this.#opCount, promise, settled: false };
    promise.then(() => { cut.settled = true; }, () => { cut.settled = true; });
    this.#cut = cut;
    this.#flush();
  }

  #flush(): void {
    if (this.#inFlight.size >= this.#maxInFlight) return;
    const batch = this.#open;
    this.#open = this.#newBatch();
    const ops = this.#openOps;
    this.#openOps = 0;
    if (this.#isEmpty(batch) && !(this.availability.up && this.#hasResync())) { batch.resolve?.(); return; }
    this.#inFlightOps += ops;
    const commit: Promise<void> = this.#commit(batch).catch((err: unknown) => {
      // A hook threw after the store answered: the batch's waiters were told already or are refused now.
      this.#d.logger.error('the write journal failed to finish a batch', { err });
      batch.reject?.(err instanceof StoreError ? err : new StoreError(`a store batch failed: ${(err as Error).message}`, { cause: err }));
    }).finally(() => {
      this.#inFlight.delete(commit);
      this.#inFlightOps -= ops;
      // The next batch gathered meanwhile goes at once; a resync goes on while the store answers.
      if (!this.#isEmpty(this.#open) || this.#open.promise !== undefined) this.#flush();
      else if (this.availability.up && this.#hasResync()) this.#schedule();
    });
    this.#inFlight.add(commit);
  }

  async #commit(batch: Batch): Promise<void> {
    const started = this.#d.now();
    const { sessions, bySession } = this.#sessionWrites(batch);
    const up = this.availability.up;
    // Background resync only while the store answers; a touched dirty session is rewritten in any case.
    if (up) this.#addResync(batch, sessions, bySession);
    const storeBatch: StoreBatch = {
      sessions, discards: batch.discards,
      retained: [...batch.retained].map(([topic, message]): RetainedWrite => ({ topic, message })),
      index: batch.index,
    };
    const writes = sessions.reduce((n, w) => n + w.ops.length, 0) + storeBatch.retained.length + batch.discards.length + batch.index.length;
    if (writes === 0) { this.#finish(batch, [], bySession, undefined); return; }
    if (!up) {
      // Known down: refuse at once instead of waiting out a timeout per batch; the ping brings it back.
      this.#failAll(storeBatch, bySession);
      this.#d.metrics?.batch('refused', writes, 0);
      this.#finish(batch, [], bySession, new StoreError('the store is unavailable', { failureCause: this.availability.cause }));
      return;
    }
    let error: Error | undefined;
    let fenced: readonly string[] = [];
    try {
      const outcome = await this.#d.store.commit(storeBatch);
      fenced = outcome.fenced;
      error = outcome.error;
      for (const id of outcome.failedSessions) { const s = bySession.get(id); if (s !== undefined) this.markDirty(s.subject); }
      for (const topic of outcome.failedRetained) this.#dirtyRetained.add(topic);
      if (error !== undefined) for (const d of batch.discards) this.#dirtyDiscards.set(d.clientId, d.before);
      for (const w of sessions) if (!outcome.failedSessions.includes(w.clientId) && !fenced.includes(w.clientId)) this.#clean(w, bySession, batch.id);
      for (const topic of batch.retained.keys()) if (!outcome.failedRetained.includes(topic)) this.#dirtyRetained.delete(topic);
      for (const i of batch.index) {
        const key = `${i.owner}\0${i.clientId}`;
        if (error === undefined) this.#dirtyIndex.delete(key); else this.#dirtyIndex.set(key, i);
      }
      if (error === undefined) for (const d of batch.discards) this.#dirtyDiscards.delete(d.clientId);
    } catch (err) {
      error = err as Error;
      this.#failAll(storeBatch, bySession);
    }
    if (error !== undefined) {
      this.#d.metrics?.failure(classifyStoreFailure(error));
      this.availability.failed(error);
    } else {
      this.#backlogLogged = false;
      this.availability.succeeded();
    }
    this.#d.metrics?.batch(error === undefined ? 'ok' : 'failed', writes, (this.#d.now() - started) / 1000);
    this.#finish(batch, fenced, bySession, error);
  }

  /** The batch's session writes: touched dirty sessions as a whole rewrite, the rest as their live ops. */
  #sessionWrites(batch: Batch): { sessions: SessionWrites[]; bySession: Map<string, JournalSlot> } {
    const sessions: SessionWrites[] = [];
    const bySession = new Map<string, JournalSlot>();
    for (const slot of batch.slots) {
      const subject = slot.subject;
      if (subject.journalSlot === slot) subject.journalSlot = undefined;
      if (subject.fence !== slot.fence) {
        // Taken again under a new fence since: these writes are stale, the session is rewritten.
        this.markDirty(subject);
        continue;
      }
      bySession.set(subject.clientId, slot);
      const ops = slot.replace || this.#dirty.has(subject.clientId) ? this.#rewrite(subject, batch) : slot.liveOpList();
      if (ops.length === 0) continue;
      sessions.push({ clientId: subject.clientId, fence: subject.fence, seq: ++subject.writeSeq, ops });
    }
    return { sessions, bySession };
  }

  /** The whole session as memory has it (and its index entry), or its deletion when it is gone. */
  #rewrite(subject: JournalSubject, batch: Batch): SessionOp[] {
    const current = this.#d.hooks.stateOf(subject);
    if (current === undefined) return [{ k: 'delete' }];
    batch.index.push({ owner: current.owner, clientId: subject.clientId, add: true });
    return [{ k: 'replace', state: current.state, expiresAt: current.expiresAt }];
  }

  #addResync(batch: Batch, sessions: SessionWrites[], bySession: Map<string, JournalSlot>): void {
    let budget = this.#d.resyncPerBatch ?? RESYNC_PER_BATCH;
    for (const [clientId, subject] of this.#dirty) {
      if (budget-- <= 0) break;
      if (bySession.has(clientId) || subject.fence === 0) continue;
      bySession.set(clientId, new JournalSlot(subject, batch.id));
      sessions.push({ clientId, fence: subject.fence, seq: ++subject.writeSeq, ops: this.#rewrite(subject, batch) });
    }
    for (const topic of this.#dirtyRetained) if (!batch.retained.has(topic)) batch.retained.set(topic, this.#d.hooks.retainedOf(topic));
    for (const [clientId, before] of this.#dirtyDiscards) if (!batch.discards.some((d) => d.clientId === clientId)) batch.discards.push({ clientId, before });
    for (const i of this.#dirtyIndex.values()) batch.index.push(i);
  }

  /** A rewrite stored cleans its session, unless a failure found since (a batch sent after it or beside it) dirtied it again. */
  #clean(w: SessionWrites, bySession: Map<string, JournalSlot>, batchId: number): void {
    const slot = bySession.get(w.clientId);
    if (slot !== undefined && this.#dirty.get(w.clientId) === slot.subject && (this.#dirtyAt.get(w.clientId) ?? 0) <= batchId && w.ops.some((op) => op.k === 'replace' || op.k === 'delete')) {
      this.#undirty(w.clientId);
    }
  }

  #undirty(clientId: string): void {
    this.#dirty.delete(clientId);
    this.#dirtyAt.delete(clientId);
  }

  #failAll(batch: StoreBatch, bySession: Map<string, JournalSlot>): void {
    for (const w of batch.sessions) { const s = bySession.get(w.clientId); if (s !== undefined) this.markDirty(s.subject); }
    for (const r of batch.retained) this.#dirtyRetained.add(r.topic);
    for (const d of batch.discards) this.#dirtyDiscards.set(d.clientId, d.before);
    for (const i of batch.index) this.#dirtyIndex.set(`${i.owner}\0${i.clientId}`, i);
  }

  #finish(batch: Batch, fenced: readonly string[], bySession: Map<string, JournalSlot>, error: Error | undefined): void {
    for (const clientId of fenced) {
      const slot = bySession.get(clientId);
      if (slot === undefined) continue;
      if (this.#dirty.get(clientId) === slot.subject) this.#undirty(clientId);
      this.#d.metrics?.fenced();
      this.#d.hooks.fenced(slot.subject);
    }
    for (const [clientId, slot] of bySession) {
      if (slot.listeners === undefined) continue;
      const outcome: SlotOutcome = fenced.includes(clientId) ? 'fenced' : this.#dirty.get(clientId) === slot.subject && error !== undefined ? 'failed' : 'ok';
      for (const l of slot.listeners) l(outcome);
    }
    if (error === undefined && fenced.length === 0) batch.resolve?.();
    else if (error !== undefined) batch.reject?.(error instanceof StoreError ? error : new StoreError(`a store write failed: ${error.message}`, { cause: error, failureCause: classifyStoreFailure(error) }));
    else batch.reject?.(new StoreError(`the store refused writes of ${fenced.join(', ')}: another node owns them now`));
  }
}
