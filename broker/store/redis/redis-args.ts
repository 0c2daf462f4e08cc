// Session writes as the arguments of the Redis scripts (redis-scripts.ts), and a session's state
// back from a script's reply. Entries are binary (store-codec.ts): Redis strings are byte strings.
import { appendEntry, type EntrySink, decodeDelivery, decodeInflight, decodeRecord, decodeSubscription, encodeDelivery, encodeInflight, encodeRecord, encodeSubscription, StoreCodecError } from '../store-codec.js';
import type { SessionState, SessionWrites, StoredDelivery, StoredInflight } from '../store.js';

export type Arg = string | Buffer;

/** A byte buffer that grows, reused from batch to batch (its bytes are copied out per session). */
class OpWriter implements EntrySink {
  buf = Buffer.allocUnsafe(64 << 10);
  len = 0;

  /** Room for n more bytes at `len` (no object per call: the hot path writes a few fields per op). */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  u8(v: number): void { this.ensure(1); this.buf[this.len++] = v; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v, this.len); this.len += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32BE(v, this.len); this.len += 4; }
  f64(v: number): void { this.ensure(8); this.buf.writeDoubleBE(v, this.len); this.len += 8; }

  /** A string with a u16 or u32 length prefix. */
  str(s: string, wide: boolean): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (!wide && n > 0xffff) throw new StoreCodecError(`string of ${n} bytes is too long to store`);
    if (wide) this.u32(n); else this.u16(n);
    this.ensure(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }

  /** A delivery or inflight entry with its u32 length. */
  entry(d: StoredDelivery, inflight: StoredInflight | undefined): void {
    const lengthAt = this.len;
    this.u32(0);
    // Measured first: appending may move the bytes to a larger buffer.
    const n = appendEntry(this, d, inflight);
    this.buf.writeUInt32BE(n, lengthAt);
  }

  /** The bytes written since `from`, copied (the buffer is reused). */
  take(from: number): Buffer {
    const out = Buffer.from(this.buf.subarray(from, this.len));
    this.len = from;
    return out;
  }
}

const writer = new OpWriter();

/** Op codes of the APPLY script (the byte values of these letters). */
const OP = { push: 0x70, inflight: 0x68, inflightDel: 0x64, shift: 0x53, incoming: 0x4e, incomingDel: 0x6e, sub: 0x42, unsub: 0x62, clearQueue: 0x43, expireQueue: 0x58, record: 0x52, replace: 0x46, delete: 0x44 } as const;

/** fence, seq, and every op of the batch in one binary argument (APPLY_SCRIPT): no argument or buffer per op. */
export function encodeWrites(w: SessionWrites, out: Arg[]): void {
  const from = writer.len;
  try {
    for (const op of w.ops) {
      writer.u8(OP[op.k]);
      switch (op.k) {
        case 'push': writer.entry(op.delivery, undefined); break;
        case 'inflight': writer.u16(op.entry.packetId); writer.entry(op.entry, op.entry); break;
        case 'inflightDel': writer.u16(op.packetId); break;
        case 'shift': writer.u32(op.count); break;
        case 'incoming': case 'incomingDel': writer.u16(op.packetId); break;
        case 'sub': writer.str(op.sub.filter, false); writer.str(encodeSubscription(op.sub), true); break;
        case 'unsub': writer.str(op.filter, false); break;
        case 'clearQueue': case 'delete': break;
        case 'expireQueue': writer.f64(op.now); break;
        case 'record': writer.str(encodeRecord(op.record), true); writer.f64(op.expiresAt); break;
        case 'replace': {
          const { state } = op;
          writer.str(encodeRecord(state.record), true);
          writer.f64(op.expiresAt);
          writer.u32(state.subscriptions.length);
          for (const sub of state.subscriptions) { writer.str(sub.filter, false); writer.str(encodeSubscription(sub), true); }
          writer.u32(state.queue.length);
          for (const d of state.queue) writer.entry(d, undefined);
          writer.u32(state.inflight.length);
          for (const e of state.inflight) { writer.u16(e.packetId); writer.entry(e, e); }
          writer.u32(state.incomingQos2.length);
          for (const id of state.incomingQos2) writer.u16(id);
          break;
        }
      }
    }
    out.push(String(w.fence), String(w.seq), writer.take(from));
  } catch (err) {
    writer.len = from;
    throw err;
  }
}

/** Subscriptions, queue, inflight and incoming ids, counted (the scripts' fill()). */
export function encodeFill(state: SessionState, out: Arg[]): void {
  out.push(String(state.subscriptions.length));
  for (const s of state.subscriptions) out.push(s.filter, encodeSubscription(s));
  out.push(String(state.queue.length));
  for (const d of state.queue) out.push(encodeDelivery(d));
  out.push(String(state.inflight.length));
  for (const e of state.inflight) out.push(String(e.packetId), encodeInflight(e));
  out.push(String(state.incomingQos2.length));
  for (const id of state.incomingQos2) out.push(String(id));
}

/** [record, subscriptions (flat), queue, inflight (flat), incoming] as a script returns them. */
export function decodeState(clientId: string, fence: number, parts: readonly unknown[]): SessionState {
  const [rec, subs, queue, inflight, incoming] = parts as [Buffer, Buffer[], Buffer[], Buffer[], Buffer[]];
  const subscriptions = [];
  for (let i = 0; i + 1 < subs.length; i += 2) subscriptions.push(decodeSubscription(subs[i]!.toString('utf8'), subs[i + 1]!.toString('utf8')));
  const inflightEntries = [];
  for (let i = 0; i + 1 < inflight.length; i += 2) inflightEntries.push(decodeInflight(inflight[i + 1]!));
  return {
    record: decodeRecord(clientId, rec.toString('utf8'), fence),
    subscriptions,
    queue: queue.map((b) => decodeDelivery(b)),
    inflight: inSendOrder(inflightEntries),
    incomingQos2: incoming.map((b) => Number(b.toString('utf8'))).sort((a, b) => a - b),
  };
}

/**
 * A hash does not keep insertion order, but packet ids are handed out in sequence (wrapping at
 * 65535), so the send order is the circular order of the ids starting after the largest gap.
 */
export function inSendOrder<T extends { readonly packetId: number }>(entries: T[]): T[] {
  if (entries.length < 2) return entries;
  const sorted = [...entries].sort((a, b) => a.packetId - b.packetId);
  let start = 0;
  let widest = sorted[0]!.packetId + 0xffff - sorted[sorted.length - 1]!.packetId;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]!.packetId - sorted[i - 1]!.packetId;
    if (gap > widest) { widest = gap; start = i; }
  }
  return [...sorted.slice(start), ...sorted.slice(0, start)];
}
