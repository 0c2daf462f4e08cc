// Session writes as the arguments of the Redis scripts (redis-scripts.ts), and a session's state
// back from a script's reply. Entries are binary (store-codec.ts): Redis strings are byte strings.
import { decodeDelivery, decodeInflight, decodeRecord, decodeSubscription, encodeDelivery, encodeInflight, encodeRecord, encodeSubscription } from '../store-codec.js';
import type { SessionState, SessionWrites } from '../store.js';

export type Arg = string | Buffer;

/** fence, seq, then one op code and its operands per op (APPLY_SCRIPT). */
export function encodeWrites(w: SessionWrites, out: Arg[]): void {
  out.push(String(w.fence), String(w.seq));
  for (const op of w.ops) {
    switch (op.k) {
      case 'push': out.push('P', encodeDelivery(op.delivery)); break;
      case 'inflight': out.push('I', String(op.entry.packetId), encodeInflight(op.entry)); break;
      case 'inflightDel': out.push('i', String(op.packetId)); break;
      case 'shift': out.push('S', String(op.count)); break;
      case 'incoming': out.push('N', String(op.packetId)); break;
      case 'incomingDel': out.push('n', String(op.packetId)); break;
      case 'sub': out.push('B', op.sub.filter, encodeSubscription(op.sub)); break;
      case 'unsub': out.push('b', op.filter); break;
      case 'clearQueue': out.push('C'); break;
      case 'expireQueue': out.push('X', String(op.now)); break;
      case 'record': out.push('R', encodeRecord(op.record), String(op.expiresAt)); break;
      case 'replace': out.push('F', encodeRecord(op.state.record), String(op.expiresAt)); encodeFill(op.state, out); break;
      case 'delete': out.push('D'); break;
    }
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
