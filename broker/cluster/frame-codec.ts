// Mesh framing: every frame is [u32 length][u8 kind][body]. Forwarded publishes and their acks,
// the hot frames, have a compact binary body; everything else is a JSON control frame
// (validated by control-frames.ts). A peer's length is never trusted: frames are capped.
import type { Message, MessageProperties, QoS } from '../routing/message.js';

/**
 * forwardNack: the receiver could not store what a QoS 1/2 forward wrote (its store is down): not taken.
 * routeChunk: binary route snapshot chunk (route-chunk-codec.ts), sent only to a peer that asked for it.
 */
export const FRAME_KIND = { forward: 1, forwardAck: 2, forwardNack: 3, control: 16, routeChunk: 17 } as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];

const HEADER_BYTES = 5;

export class FrameError extends Error {
  readonly reason: 'frame_too_large' | 'malformed_frame' | 'unknown_kind';
  constructor(reason: FrameError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

/** One forwarded message as it crosses the mesh (originNode is the sending peer). */
export interface ForwardFrame extends Omit<Message, 'originNode'> {
  /** Ack id; 0 for QoS 0, which is never acked. */
  readonly id: number;
  /** Shared groups (`group/filter`) this receiver must deliver to; see INVARIANTS.md. */
  readonly sharedGroups: readonly string[];
}

export function encodeFrame(kind: FrameKind, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out.writeUInt8(kind, 4);
  body.copy(out, HEADER_BYTES);
  return out;
}

export function encodeControl(frame: object): Buffer {
  return encodeFrame(FRAME_KIND.control, Buffer.from(JSON.stringify(frame), 'utf8'));
}

const FLAG_RETAIN = 4;
const FLAG_PROPERTIES = 8;
/** Fixed part of a forward body: id, flags, expiresAt, receivedAt. */
const FORWARD_FIXED = 4 + 1 + 8 + 8;
/** Where the ack id sits in an encoded forward frame: one encoding can be re-addressed per peer. */
export const FORWARD_ID_OFFSET = HEADER_BYTES;

/** The message fields a forward frame carries (a Message has them all). */
export type ForwardBody = Pick<ForwardFrame, 'topic' | 'payload' | 'qos' | 'retain' | 'properties' | 'expiresAt' | 'receivedAt' | 'originClientId'>;

/** v5 properties as the bytes a forward frame carries (JSON: rare, and off the hot path). */
export function encodeForwardProperties(p: ForwardBody['properties']): Buffer | undefined {
  return p ? Buffer.from(JSON.stringify(propertiesToJson(p)), 'utf8') : undefined;
}

/**
 * An upper bound on the encoded size of a forward frame (header included), without measuring
 * strings: a UTF-16 code unit is at most 3 UTF-8 bytes.
 */
export function forwardFrameBound(m: ForwardBody, groups: readonly string[], props: Buffer | undefined): number {
  let n = HEADER_BYTES + FORWARD_FIXED + 2 + 3 * m.topic.length + 2 + 3 * m.originClientId.length + 2 + m.payload.length;
  for (const g of groups) n += 2 + 3 * g.length;
  return props ? n + 4 + props.length : n;
}

/**
 * Writes a forward frame at the start of `out` (at least forwardFrameBound bytes) and returns its
 * length: no allocation, so the hot path encodes into one reused buffer.
 */
export function writeForward(out: Buffer, m: ForwardBody, id: number, groups: readonly string[], props: Buffer | undefined): number {
  out[4] = FRAME_KIND.forward;
  out.writeUInt32BE(id, 5);
  out[9] = m.qos | (m.retain ? FLAG_RETAIN : 0) | (props ? FLAG_PROPERTIES : 0);
  out.writeDoubleBE(m.expiresAt, 10);
  out.writeDoubleBE(m.receivedAt, 18);
  let o = writeStr16(out, 26, m.topic);
  o = writeStr16(out, o, m.originClientId);
  out.writeUInt16BE(groups.length, o);
  o += 2;
  for (const g of groups) o = writeStr16(out, o, g);
  if (props) {
    out.writeUInt32BE(props.length, o);
    o += 4 + props.copy(out, o + 4);
  }
  o += m.payload.copy(out, o);
  out.writeUInt32BE(o - 4, 0);
  return o;
}

// MQTT strings (topics, client ids) are at most 65535 bytes [MQTT-1.5.4]; the prefix is patched after the write.
function writeStr16(out: Buffer, at: number, s: string): number {
  const n = s.length === 0 ? 0 : out.write(s, at + 2, 'utf8');
  if (n > 0xffff) throw new FrameError('malformed_frame', `string of ${n} bytes does not fit a forward frame`);
  out.writeUInt16BE(n, at);
  return at + 2 + n;
}

/** Encodes a forward frame into a buffer of its own (tests, rare paths). */
export function encodeForward(f: ForwardFrame): Buffer {
  const props = encodeForwardProperties(f.properties);
  const scratch = Buffer.allocUnsafe(forwardFrameBound(f, f.sharedGroups, props));
  return Buffer.from(scratch.subarray(0, writeForward(scratch, f, f.id, f.sharedGroups, props)));
}

const NO_GROUPS: readonly string[] = [];

/**
 * A decoded forward frame. `publish`: the message as the MQTT 3.1/3.1.1 PUBLISH a subscriber of
 * those versions gets when the delivery keeps the message's QoS with RETAIN 0 (packet id 1 as a
 * placeholder at QoS 1/2, patched per subscriber), built while copying the payload out of the
 * frame, with `payload` a view of it: the receiving node encodes nothing for such subscribers.
 * Undefined for a payload large enough to be kept as a slice of the frame (encoded when needed).
 */
export interface DecodedForward extends ForwardFrame {
  readonly publish: Buffer | undefined;
}

/**
 * The last topic and client id one peer sent, with where their bytes were: a peer forwards runs of
 * one publisher's messages (a socket read of one client at a time), and comparing a few bytes costs
 * a third of decoding a string (measured). A miss costs the comparison up to the first differing byte.
 * Holds a reference to the last frame's body: one socket chunk per peer at most, never a buffer
 * over STRINGS_PIN_MAX (a large frame's own buffer would stay alive until the peer's next frame).
 */
const EMPTY = Buffer.alloc(0);

export class ForwardStrings {
  topic = '';
  topicBuf: Buffer = EMPTY;
  topicAt = 0;
  topicLen = -1;
  client = '';
  clientBuf: Buffer = EMPTY;
  clientAt = 0;
  clientLen = -1;
}

const STRINGS_PIN_MAX = 256 << 10;

function sameBytes(a: Buffer, at: number, len: number, b: Buffer, bt: number, blen: number): boolean {
  if (len !== blen) return false;
  for (let i = 0; i < len; i++) if (a[at + i] !== b[bt + i]) return false;
  return true;
}

/**
 * Decodes a forward body. Strings are read once (or taken from `strings`, the last ones of the same
 * peer); the payload is a slice of the frame when that does not pin a much larger socket chunk (a
 * queued message would keep the chunk alive), else it is copied out, into the `publish` encoding
 * (see DecodedForward).
 */
export function decodeForward(body: Buffer, strings?: ForwardStrings): DecodedForward {
  const end = body.length;
  if (end < FORWARD_FIXED + 6) throw truncated();
  const id = body.readUInt32BE(0);
  const flags = body[4]!;
  const qos = flags & 3;
  if (qos === 3) throw new FrameError('malformed_frame', 'forward frame with QoS 3');
  const expiresAt = body.readDoubleBE(5);
  const receivedAt = body.readDoubleBE(13);
  let o = FORWARD_FIXED;
  let len = body.readUInt16BE(o);
  o += 2;
  if (o + len + 2 > end) throw truncated();
  const topicAt = o;
  let topic: string;
  if (strings === undefined) topic = body.toString('utf8', o, o + len);
  else if (sameBytes(body, o, len, strings.topicBuf, strings.topicAt, strings.topicLen)) topic = strings.topic;
  else {
    topic = strings.topic = body.toString('utf8', o, o + len);
    const pin = body.buffer.byteLength <= STRINGS_PIN_MAX;
    strings.topicBuf = pin ? body : EMPTY; strings.topicAt = o; strings.topicLen = pin ? len : -1;
  }
  o += len;
  const topicEnd = o;
  len = body.readUInt16BE(o);
  o += 2;
  if (o + len + 2 > end) throw truncated();
  let originClientId: string;
  if (strings === undefined) originClientId = body.toString('utf8', o, o + len);
  else if (sameBytes(body, o, len, strings.clientBuf, strings.clientAt, strings.clientLen)) originClientId = strings.client;
  else {
    originClientId = strings.client = body.toString('utf8', o, o + len);
    const pin = body.buffer.byteLength <= STRINGS_PIN_MAX;
    strings.clientBuf = pin ? body : EMPTY; strings.clientAt = o; strings.clientLen = pin ? len : -1;
  }
  o += len;
  const groupCount = body.readUInt16BE(o);
  o += 2;
  let sharedGroups = NO_GROUPS;
  if (groupCount > 0) {
    const groups: string[] = [];
    for (let i = 0; i < groupCount; i++) {
      if (o + 2 > end) throw truncated();
      len = body.readUInt16BE(o);
      o += 2;
      if (o + len > end) throw truncated();
      groups.push(body.toString('utf8', o, o + len));
      o += len;
    }
    sharedGroups = groups;
  }
  let properties: MessageProperties | undefined;
  if (flags & FLAG_PROPERTIES) {
    if (o + 4 > end) throw truncated();
    len = body.readUInt32BE(o);
    o += 4;
    if (o + len > end) throw truncated();
    properties = parseProperties(body.toString('utf8', o, o + len));
    o += len;
  }
  const size = end - o;
  let payload: Buffer;
  let publish: Buffer | undefined;
  if (size * 2 >= body.buffer.byteLength) payload = body.subarray(o);
  else {
    publish = buildPublish(body, qos, topicAt, topicEnd, o);
    payload = publish.subarray(publish.length - size);
  }
  return { id, topic, payload, qos: qos as QoS, retain: (flags & FLAG_RETAIN) !== 0, properties, expiresAt, receivedAt, originClientId, sharedGroups, publish };
}

/**
 * An MQTT 3.1.1 PUBLISH [MQTT-3.3.1..3.3.3] of the topic bytes body[topicAt, topicEnd) and the
 * payload body[payloadAt, end): QoS `qos`, DUP 0, RETAIN 0, packet id 1 when QoS > 0. Byte for
 * byte what encodePlainPublish writes (frame-codec.test.ts checks it).
 */
function buildPublish(body: Buffer, qos: number, topicAt: number, topicEnd: number, payloadAt: number): Buffer {
  const topicLength = topicEnd - topicAt;
  const remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + body.length - payloadAt;
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30 | (qos << 1);
  let at = 1;
  let n = remaining;
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out[at++] = n > 0 ? low | 0x80 : low;
  } while (n > 0);
  out[at++] = topicLength >> 8;
  out[at++] = topicLength & 0xff;
  at += body.copy(out, at, topicAt, topicEnd);
  if (qos > 0) { out[at++] = 0; out[at++] = 1; }
  body.copy(out, at, payloadAt);
  return out;
}

function truncated(): FrameError { return new FrameError('malformed_frame', 'forward frame truncated'); }

/** Acks are batched: one frame carries every id acked in one event-loop turn (nacks likewise). */
export function encodeForwardAcks(ids: readonly number[], kind: typeof FRAME_KIND.forwardAck | typeof FRAME_KIND.forwardNack = FRAME_KIND.forwardAck): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + 4 * ids.length);
  out.writeUInt32BE(1 + 4 * ids.length, 0);
  out.writeUInt8(kind, 4);
  for (let i = 0; i < ids.length; i++) out.writeUInt32BE(ids[i]!, HEADER_BYTES + 4 * i);
  return out;
}

export function decodeForwardAcks(body: Buffer): number[] {
  const ids: number[] = [];
  forEachForwardAck(body, (id) => ids.push(id));
  return ids;
}

/** The ids of an ack frame, without building an array (the receiving side's hot path). */
export function forEachForwardAck(body: Buffer, visit: (id: number) => void): void {
  if (body.length % 4 !== 0) throw new FrameError('malformed_frame', 'ack frame length not a multiple of 4');
  for (let o = 0; o < body.length; o += 4) visit(body.readUInt32BE(o));
}

/**
 * Incremental decoder: feed socket chunks, get whole frames. Throws FrameError on a length
 * over the cap or an unknown kind; the caller then closes that peer connection. The first chunk
 * is read at an offset rather than re-sliced after every frame (one Buffer view less per frame).
 */
export class FrameDecoder {
  #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  /** Where the unread bytes of #chunks[0] start. */
  #offset = 0;
  /** Unread bytes over all chunks. */
  #buffered = 0;

  constructor(maxFrameBytes: number) { this.#maxFrameBytes = maxFrameBytes; }

  /** Changes the cap: small while a peer is unauthenticated, larger once it proved the cookie. */
  limit(maxFrameBytes: number): void { this.#maxFrameBytes = maxFrameBytes; }

  push(chunk: Buffer, onFrame: (kind: FrameKind, body: Buffer) => void): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    for (;;) {
      if (this.#buffered < HEADER_BYTES) return;
      let head = this.#chunks[0]!;
      let at = this.#offset;
      if (head.length - at < HEADER_BYTES) { head = this.#merge(); at = 0; }
      const length = head.readUInt32BE(at);
      if (length < 1 || length > this.#maxFrameBytes) {
        throw new FrameError('frame_too_large', `frame of ${length} bytes exceeds the cap of ${this.#maxFrameBytes}`);
      }
      const total = 4 + length;
      if (this.#buffered < total) return;
      if (head.length - at < total) { head = this.#merge(); at = 0; }
      const kind = head[at + 4]!;
      if (kind !== FRAME_KIND.forward && kind !== FRAME_KIND.forwardAck && kind !== FRAME_KIND.forwardNack && kind !== FRAME_KIND.control && kind !== FRAME_KIND.routeChunk) {
        throw new FrameError('unknown_kind', `unknown frame kind ${kind}`);
      }
      const body = head.subarray(at + HEADER_BYTES, at + total);
      if (head.length - at === total) { this.#chunks.shift(); this.#offset = 0; } else this.#offset = at + total;
      this.#buffered -= total;
      onFrame(kind, body);
    }
  }

  /** Joins the unread bytes into one buffer (a frame spans chunks, rare with 64 KiB reads). */
  #merge(): Buffer {
    const first = this.#chunks[0]!.subarray(this.#offset);
    const merged = this.#chunks.length === 1 ? first : Buffer.concat([first, ...this.#chunks.slice(1)], this.#buffered);
    this.#chunks = [merged];
    this.#offset = 0;
    return merged;
  }
}

// correlationData is binary; JSON carries it as base64.
export function propertiesToJson(p: MessageProperties): Record<string, unknown> {
  return p.correlationData ? { ...p, correlationData: p.correlationData.toString('base64') } : { ...p };
}

function parseProperties(text: string): MessageProperties {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (err) { throw new FrameError('malformed_frame', 'forward properties are not JSON', { cause: err }); }
  return propertiesFromJson(raw);
}

/** The inverse of propertiesToJson, for a peer's (untrusted) JSON. */
export function propertiesFromJson(raw: unknown): MessageProperties {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FrameError('malformed_frame', 'forward properties are not an object');
  const r = raw as Record<string, unknown>;
  const out: MessageProperties = {};
  if (typeof r['payloadFormatIndicator'] === 'boolean') out.payloadFormatIndicator = r['payloadFormatIndicator'];
  if (typeof r['contentType'] === 'string') out.contentType = r['contentType'];
  if (typeof r['responseTopic'] === 'string') out.responseTopic = r['responseTopic'];
  if (typeof r['correlationData'] === 'string') out.correlationData = Buffer.from(r['correlationData'], 'base64');
  const up = r['userProperties'];
  if (typeof up === 'object' && up !== null && !Array.isArray(up)) {
    const props: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up)) {
      if (typeof v === 'string') props[k] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) props[k] = v;
      else throw new FrameError('malformed_frame', `user property ${k} is not a string or string list`);
    }
    out.userProperties = props;
  }
  return out;
}
