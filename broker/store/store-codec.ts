// How stored things become bytes: queued and inflight deliveries and retained messages in a compact
// binary form (they are on the publish path), records and subscriptions as JSON (written rarely).
// The message's expiry sits at a fixed offset so a Redis script can read it (redis-scripts.ts).
import type { Message, MessageProperties, QoS } from '../routing/message.js';
import type { SessionRecord, StoredDelivery, StoredInflight, StoredSubscription, StoredWill } from './store.js';

const FORMAT = 1;
/** Byte offset of the message's expiresAt (f64, big-endian) in every entry. */
export const EXPIRES_AT_OFFSET = 1;
/** format, expiresAt, receivedAt, flags, extra flags, packet id, origin sequence number (f64, 0: none). */
const HEADER = 29;
const ORIGIN_SEQ_OFFSET = 21;
const F_RETAIN = 4;
const F_PROPS = 8;
const F_DELIVERY_RETAIN = 64;
const F_INFLIGHT = 128;
const X_SUB_IDS = 1;
const X_SHARE = 2;
const X_PUBREL = 4;

export class StoreCodecError extends Error {
  constructor(message: string) { super(message); this.name = 'StoreCodecError'; }
}

function strBytes(s: string): number { return Buffer.byteLength(s, 'utf8'); }

function encodeProperties(p: MessageProperties): Buffer {
  const json: Record<string, unknown> = { ...p };
  if (p.correlationData !== undefined) json['correlationData'] = p.correlationData.toString('base64');
  return Buffer.from(JSON.stringify(json), 'utf8');
}

function decodeProperties(bytes: Buffer): MessageProperties {
  const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const out: MessageProperties = {};
  if (typeof json['payloadFormatIndicator'] === 'boolean') out.payloadFormatIndicator = json['payloadFormatIndicator'];
  if (typeof json['contentType'] === 'string') out.contentType = json['contentType'];
  if (typeof json['responseTopic'] === 'string') out.responseTopic = json['responseTopic'];
  if (typeof json['correlationData'] === 'string') out.correlationData = Buffer.from(json['correlationData'], 'base64');
  if (json['userProperties'] !== undefined) out.userProperties = json['userProperties'] as Record<string, string | string[]>;
  return out;
}

/** The exact size of an entry (for a buffer of its own). */
function entrySize(m: Message, d: StoredDelivery | undefined, props: Buffer | undefined): number {
  const ids = d?.subscriptionIds;
  let size = HEADER + 6 + strBytes(m.topic) + strBytes(m.originClientId) + strBytes(m.originNode) + 4 + m.payload.length;
  if (ids !== undefined) size += 2 + 4 * ids.length;
  if (d?.shareGroup !== undefined) size += 2 + strBytes(d.shareGroup);
  if (props !== undefined) size += 4 + props.length;
  return size;
}

/** At least the size of an entry, without measuring its strings' UTF-8 (a char is at most 3 bytes of it). */
function entrySizeBound(m: Message, d: StoredDelivery, props: Buffer | undefined): number {
  const ids = d.subscriptionIds;
  let size = HEADER + 6 + 3 * (m.topic.length + m.originClientId.length + m.originNode.length) + 4 + m.payload.length;
  if (ids !== undefined) size += 2 + 4 * ids.length;
  if (d.shareGroup !== undefined) size += 2 + 3 * d.shareGroup.length;
  if (props !== undefined) size += 4 + props.length;
  return size;
}

/** Writes an entry at `at` (room for it must be there); returns where it ends. */
function writeEntry(out: Buffer, at: number, m: Message, d: StoredDelivery | undefined, inflight: StoredInflight | undefined, props: Buffer | undefined): number {
  const ids = d?.subscriptionIds;
  const share = d?.shareGroup;
  out[at] = FORMAT;
  out.writeDoubleBE(m.expiresAt, at + EXPIRES_AT_OFFSET);
  out.writeDoubleBE(m.receivedAt, at + 9);
  out[at + 17] = m.qos | (m.retain ? F_RETAIN : 0) | (props ? F_PROPS : 0) | ((d?.qos ?? 0) << 4) | (d?.retain === true ? F_DELIVERY_RETAIN : 0) | (inflight ? F_INFLIGHT : 0);
  out[at + 18] = (ids !== undefined ? X_SUB_IDS : 0) | (share !== undefined ? X_SHARE : 0) | (inflight?.state === 'pubrel' ? X_PUBREL : 0);
  out.writeUInt16BE(inflight?.packetId ?? 0, at + 19);
  out.writeDoubleBE(m.originSeq ?? 0, at + ORIGIN_SEQ_OFFSET);
  let o = at + HEADER;
  o = writeShortStr(out, o, m.topic);
  o = writeShortStr(out, o, m.originClientId);
  o = writeShortStr(out, o, m.originNode);
  if (ids !== undefined) {
    out.writeUInt16BE(ids.length, o);
    o += 2;
    for (const id of ids) { out.writeUInt32BE(id, o); o += 4; }
  }
  if (share !== undefined) o = writeShortStr(out, o, share);
  if (props !== undefined) { out.writeUInt32BE(props.length, o); props.copy(out, o + 4); o += 4 + props.length; }
  out.writeUInt32BE(m.payload.length, o);
  m.payload.copy(out, o + 4);
  return o + 4 + m.payload.length;
}

/** One encoding for a queued delivery (`inflight` undefined), an inflight entry, or a retained message. */
function encodeEntry(m: Message, d: StoredDelivery | undefined, inflight: StoredInflight | undefined): Buffer {
  const props = m.properties === undefined ? undefined : encodeProperties(m.properties);
  const out = Buffer.allocUnsafe(entrySize(m, d, props));
  writeEntry(out, 0, m, d, inflight, props);
  return out;
}

/** A growing byte buffer an entry can be appended to: `ensure(n)` makes room for n bytes at `len`. */
export interface EntrySink {
  buf: Buffer;
  len: number;
  ensure(n: number): void;
}

/** Appends an entry to a sink (the Redis store's write batches) without a buffer of its own; returns its size. */
export function appendEntry(sink: EntrySink, d: StoredDelivery, inflight: StoredInflight | undefined): number {
  const m = d.message;
  const props = m.properties === undefined ? undefined : encodeProperties(m.properties);
  // Room for the worst case, so the strings are measured only as they are written.
  sink.ensure(entrySizeBound(m, d, props));
  const end = writeEntry(sink.buf, sink.len, m, d, inflight, props);
  const size = end - sink.len;
  sink.len = end;
  return size;
}

/**
 * A string with its u16 length. Short ASCII ones (topics, client ids, node names: every entry has
 * three) are copied byte by byte: a call into the UTF-8 encoder costs more than the copy.
 */
function writeShortStr(out: Buffer, o: number, s: string): number {
  const n = s.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[o + 2 + i] = c;
    }
    if (i === n) {
      out.writeUInt16BE(n, o);
      return o + 2 + n;
    }
  }
  return writeStr(out, o, s, strBytes(s));
}

function writeStr(out: Buffer, o: number, s: string, len: number): number {
  if (len > 0xffff) throw new StoreCodecError(`string of ${len} bytes is too long to store`);
  out.writeUInt16BE(len, o);
  out.write(s, o + 2, len, 'utf8');
  return o + 2 + len;
}

interface DecodedEntry { message: Message; delivery: StoredDelivery; packetId: number; pubrel: boolean; inflight: boolean }

function decodeEntry(b: Buffer): DecodedEntry {
  if (b.length < HEADER || b[0] !== FORMAT) throw new StoreCodecError(`stored entry has an unknown format (${b.length} bytes, version ${String(b[0])})`);
  const flags = b[17] as number;
  const extra = b[18] as number;
  let o = HEADER;
  const str = (): string => {
    const len = b.readUInt16BE(o);
    const s = b.toString('utf8', o + 2, o + 2 + len);
    o += 2 + len;
    return s;
  };
  const topic = str();
  const originClientId = str();
  const originNode = str();
  let subscriptionIds: number[] | undefined;
  if ((extra & X_SUB_IDS) !== 0) {
    const n = b.readUInt16BE(o);
    o += 2;
    subscriptionIds = [];
    for (let i = 0; i < n; i++) { subscriptionIds.push(b.readUInt32BE(o)); o += 4; }
  }
  const shareGroup = (extra & X_SHARE) !== 0 ? str() : undefined;
  let properties: MessageProperties | undefined;
  if ((flags & F_PROPS) !== 0) {
    const len = b.readUInt32BE(o);
    properties = decodeProperties(b.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  const payloadLen = b.readUInt32BE(o);
  if (o + 4 + payloadLen !== b.length) throw new StoreCodecError('stored entry is truncated or has trailing bytes');
  // A copy: the entry buffer may be a slice of a large reply that must not stay pinned.
  const payload = Buffer.from(b.subarray(o + 4, o + 4 + payloadLen));
  const message: Message = {
    topic, payload, qos: (flags & 3) as QoS, retain: (flags & F_RETAIN) !== 0, properties,
    expiresAt: b.readDoubleBE(EXPIRES_AT_OFFSET), originClientId, originNode, receivedAt: b.readDoubleBE(9),
    originSeq: b.readDoubleBE(ORIGIN_SEQ_OFFSET),
  };
  const delivery: StoredDelivery = { message, qos: ((flags >> 4) & 3) as QoS, retain: (flags & F_DELIVERY_RETAIN) !== 0, subscriptionIds, shareGroup };
  return { message, delivery, packetId: b.readUInt16BE(19), pubrel: (extra & X_PUBREL) !== 0, inflight: (flags & F_INFLIGHT) !== 0 };
}

export function encodeDelivery(d: StoredDelivery): Buffer { return encodeEntry(d.message, d, undefined); }
export function decodeDelivery(b: Buffer): StoredDelivery { return decodeEntry(b).delivery; }

export function encodeInflight(e: StoredInflight): Buffer { return encodeEntry(e.message, e, e); }
export function decodeInflight(b: Buffer): StoredInflight {
  const d = decodeEntry(b);
  if (!d.inflight || d.packetId === 0) throw new StoreCodecError('stored inflight entry has no packet id');
  return { ...d.delivery, packetId: d.packetId, state: d.pubrel ? 'pubrel' : 'publish' };
}

export function encodeMessage(m: Message): Buffer { return encodeEntry(m, undefined, undefined); }
export function decodeMessage(b: Buffer): Message { return decodeEntry(b).message; }

export function encodeSubscription(s: StoredSubscription): string {
  return JSON.stringify([s.qos, s.noLocal ? 1 : 0, s.retainAsPublished ? 1 : 0, s.retainHandling, s.subscriptionId ?? 0]);
}

export function decodeSubscription(filter: string, text: string): StoredSubscription {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v) || v.length !== 5 || !v.every((x) => typeof x === 'number')) throw new StoreCodecError(`stored subscription ${filter} is malformed`);
  const [qos, nl, rap, rh, id] = v;
  return {
    filter, qos: qos as QoS, noLocal: nl === 1, retainAsPublished: rap === 1, retainHandling: rh as 0 | 1 | 2,
    subscriptionId: id === 0 ? undefined : id,
  };
}

export function encodeRecord(r: SessionRecord): string {
  const will = r.will === undefined ? undefined : { m: encodeMessage(r.will.message).toString('base64'), d: r.will.delayInterval, e: r.will.expiryInterval };
  return JSON.stringify({ u: r.username, v: r.protocolVersion, x: r.expiryInterval, at: r.disconnectedAt, n: r.node, w: will });
}

export function decodeRecord(clientId: string, text: string, fence: number): SessionRecord {
  const j = JSON.parse(text) as { u?: string; v: 3 | 4 | 5; x: number; at?: number; n: string; w?: { m: string; d: number; e?: number } };
  if (typeof j !== 'object' || j === null || ![3, 4, 5].includes(j.v) || typeof j.x !== 'number') throw new StoreCodecError(`stored record of ${clientId} is malformed`);
  let will: StoredWill | undefined;
  if (j.w !== undefined) will = { message: decodeMessage(Buffer.from(j.w.m, 'base64')), delayInterval: j.w.d, expiryInterval: j.w.e };
  return { clientId, username: j.u, protocolVersion: j.v, expiryInterval: j.x, disconnectedAt: j.at, node: j.n, will, fence };
}
