// Mesh framing: every frame is [u32 length][u8 kind][body]. Forwarded publishes and their acks,
// the hot frames, have a compact binary body; everything else is a JSON control frame
// (validated by control-frames.ts). A peer's length is never trusted: frames are capped.
import type { MessageProperties, QoS } from '../routing/message.js';

export const FRAME_KIND = { forward: 1, forwardAck: 2, control: 16 } as const;
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
export interface ForwardFrame {
  /** Ack id; 0 for QoS 0, which is never acked. */
  readonly id: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  readonly expiresAt: number;
  readonly receivedAt: number;
  readonly originClientId: string;
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

/** Encodes a forward frame in one allocation (the hot path: one per message per peer). */
export function encodeForward(f: ForwardFrame): Buffer {
  const topicLen = Buffer.byteLength(f.topic);
  const clientLen = Buffer.byteLength(f.originClientId);
  const props = f.properties ? Buffer.from(JSON.stringify(propertiesToJson(f.properties)), 'utf8') : undefined;
  let groupsLen = 2;
  for (const g of f.sharedGroups) groupsLen += 2 + Buffer.byteLength(g);
  const bodyLen = 4 + 1 + 8 + 8 + 2 + topicLen + 2 + clientLen + groupsLen + (props ? 4 + props.length : 0) + f.payload.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + bodyLen);
  let o = 0;
  o = out.writeUInt32BE(bodyLen + 1, o);
  o = out.writeUInt8(FRAME_KIND.forward, o);
  o = out.writeUInt32BE(f.id, o);
  o = out.writeUInt8(f.qos | (f.retain ? FLAG_RETAIN : 0) | (props ? FLAG_PROPERTIES : 0), o);
  o = out.writeDoubleBE(f.expiresAt, o);
  o = out.writeDoubleBE(f.receivedAt, o);
  o = out.writeUInt16BE(topicLen, o);
  o += out.write(f.topic, o, 'utf8');
  o = out.writeUInt16BE(clientLen, o);
  o += out.write(f.originClientId, o, 'utf8');
  o = out.writeUInt16BE(f.sharedGroups.length, o);
  for (const g of f.sharedGroups) {
    o = out.writeUInt16BE(Buffer.byteLength(g), o);
    o += out.write(g, o, 'utf8');
  }
  if (props) {
    o = out.writeUInt32BE(props.length, o);
    o += props.copy(out, o);
  }
  f.payload.copy(out, o);
  return out;
}

export function decodeForward(body: Buffer): ForwardFrame {
  let o = 0;
  const need = (n: number): void => {
    if (o + n > body.length) throw new FrameError('malformed_frame', 'forward frame truncated');
  };
  const str16 = (): string => {
    need(2);
    const len = body.readUInt16BE(o);
    o += 2;
    need(len);
    const s = body.toString('utf8', o, o + len);
    o += len;
    return s;
  };
  need(21);
  const id = body.readUInt32BE(0);
  const flags = body.readUInt8(4);
  const qos = flags & 3;
  if (qos === 3) throw new FrameError('malformed_frame', 'forward frame with QoS 3');
  const expiresAt = body.readDoubleBE(5);
  const receivedAt = body.readDoubleBE(13);
  o = 21;
  const topic = str16();
  const originClientId = str16();
  need(2);
  const groupCount = body.readUInt16BE(o);
  o += 2;
  const sharedGroups: string[] = [];
  for (let i = 0; i < groupCount; i++) sharedGroups.push(str16());
  let properties: MessageProperties | undefined;
  if (flags & FLAG_PROPERTIES) {
    need(4);
    const len = body.readUInt32BE(o);
    o += 4;
    need(len);
    properties = parseProperties(body.toString('utf8', o, o + len));
    o += len;
  }
  // Copy: the body is a view of a socket chunk that a long-lived message must not pin.
  const payload = Buffer.from(body.subarray(o));
  return { id, topic, payload, qos: qos as QoS, retain: (flags & FLAG_RETAIN) !== 0, properties, expiresAt, receivedAt, originClientId, sharedGroups };
}

/** Acks are batched: one frame carries every id acked in one event-loop turn. */
export function encodeForwardAcks(ids: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + 4 * ids.length);
  out.writeUInt32BE(1 + 4 * ids.length, 0);
  out.writeUInt8(FRAME_KIND.forwardAck, 4);
  for (let i = 0; i < ids.length; i++) out.writeUInt32BE(ids[i]!, HEADER_BYTES + 4 * i);
  return out;
}

export function decodeForwardAcks(body: Buffer): number[] {
  if (body.length % 4 !== 0) throw new FrameError('malformed_frame', 'ack frame length not a multiple of 4');
  const ids: number[] = [];
  for (let o = 0; o < body.length; o += 4) ids.push(body.readUInt32BE(o));
  return ids;
}

/**
 * Incremental decoder: feed socket chunks, get whole frames. Throws FrameError on a length
 * over the cap or an unknown kind; the caller then closes that peer connection.
 */
export class FrameDecoder {
  #maxFrameBytes: number;
  #chunks: Buffer[] = [];
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
      if (head.length < HEADER_BYTES) head = this.#merge();
      const length = head.readUInt32BE(0);
      if (length < 1 || length > this.#maxFrameBytes) {
        throw new FrameError('frame_too_large', `frame of ${length} bytes exceeds the cap of ${this.#maxFrameBytes}`);
      }
      const total = 4 + length;
      if (this.#buffered < total) return;
      if (head.length < total) head = this.#merge();
      const kind = head.readUInt8(4);
      if (kind !== FRAME_KIND.forward && kind !== FRAME_KIND.forwardAck && kind !== FRAME_KIND.control) {
        throw new FrameError('unknown_kind', `unknown frame kind ${kind}`);
      }
      const body = head.subarray(HEADER_BYTES, total);
      if (head.length === total) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(total);
      this.#buffered -= total;
      onFrame(kind, body);
    }
  }

  #merge(): Buffer {
    const merged = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [merged];
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
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) props[k] = v as string[];
      else throw new FrameError('malformed_frame', `user property ${k} is not a string or string list`);
    }
    out.userProperties = props;
  }
  return out;
}
