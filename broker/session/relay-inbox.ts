// Relayed deliveries that reached the node a session went to before the session itself (its grant is
// still being processed): they wait, bounded in count and time, and are delivered once it is there or
// passed on where it went. One a publish waits on holds an ack id, answered only once it is held.
import type { StoredDelivery } from '../store/store.js';
import { both } from '../util/settle-both.js';
import { LOCAL_HOLD, type RelayAcks } from './relay-acks.js';

/** What a held delivery's acknowledgement also waits for: the store writes it caused (write-journal.ts). */
export interface JournalWaits { mark(): number; since(mark: number): Promise<void> | undefined }

/** A waiting delivery; `hold`: the ack id answered once it is held (undefined: nothing waits for it). */
export interface HeldDelivery { readonly delivery: StoredDelivery; readonly hops: number; readonly hold: number | undefined }

/** Long enough for a grant in the same read as its relays; a session that never comes is given up on. */
const INBOX_MS = 5_000;
const INBOX_MAX = 100_000;

export class RelayInbox {
  readonly #boxes = new Map<string, { since: number; deliveries: HeldDelivery[] }>();
  #size = 0;
  readonly #acks: RelayAcks;
  readonly #now: () => number;
  readonly #journal: JournalWaits | undefined;

  constructor(acks: RelayAcks, now: () => number, journal?: JournalWaits) {
    this.#acks = acks;
    this.#now = now;
    this.#journal = journal;
  }

  /** Keeps one for `clientId`; false when the inbox is full (it is dropped). */
  add(clientId: string, delivery: StoredDelivery, hops: number): boolean {
    if (this.#size >= INBOX_MAX) return false;
    let box = this.#boxes.get(clientId);
    if (box === undefined) this.#boxes.set(clientId, (box = { since: this.#now(), deliveries: [] }));
    const hold = this.#acks.tracking && delivery.qos > 0 ? this.#acks.expect(LOCAL_HOLD) : undefined;
    box.deliveries.push({ delivery, hops, hold });
    this.#size++;
    return true;
  }

  /** Takes what waits for `clientId` (its session is here now, or went on): each to `handle`, its hold answered after. */
  release(clientId: string, handle: (held: HeldDelivery) => void): void {
    const box = this.#boxes.get(clientId);
    if (box === undefined) return;
    this.#boxes.delete(clientId);
    this.#size -= box.deliveries.length;
    for (const held of box.deliveries) this.#settle(held, handle);
  }

  /** Drops what waited too long (its session never came); returns how many. */
  sweep(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [clientId, box] of this.#boxes) {
      if (now - box.since < INBOX_MS) continue;
      this.#boxes.delete(clientId);
      this.#size -= box.deliveries.length;
      dropped += box.deliveries.length;
      for (const { hold } of box.deliveries) if (hold !== undefined) this.#acks.answered(LOCAL_HOLD, [hold], false, `no session ${clientId} came for a relayed delivery`);
    }
    return dropped;
  }

  /** Handles one (a delivery, or a relay on: a dispatch of its own), then answers its hold once that is held. */
  #settle(held: HeldDelivery, handle: (held: HeldDelivery) => void): void {
    const mark = this.#journal?.mark() ?? 0;
    const token = this.#acks.begin();
    handle(held);
    const pending = both(this.#acks.end(token), this.#journal?.since(mark));
    const { hold } = held;
    if (hold === undefined) return;
    if (pending === undefined) { this.#acks.answered(LOCAL_HOLD, [hold], true); return; }
    pending.then(() => this.#acks.answered(LOCAL_HOLD, [hold], true), () => this.#acks.answered(LOCAL_HOLD, [hold], false));
  }
}
