// MQTT 3.1.1 frames for the load generator: packets encoded once with mqtt-packet (the codec
// of record), and a tiny incremental frame scanner for the hot receive path.
import { generate } from 'mqtt-packet';

export const PacketType = {
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  SUBACK: 9,
  PINGRESP: 13,
} as const;

/** CONNECT, MQTT 3.1.1, clean session unless asked. Keep-alive 0 disables the broker's timer [MQTT-3.1.2-24]. */
export function encodeConnect(clientId: string, keepalive = 0, clean = true): Buffer {
  return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean, clientId, keepalive });
}

export function encodeSubscribe(filter: string, qos: 0 | 1, messageId: number): Buffer {
  return generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] });
}

export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, messageId = 1): Buffer {
  return generate(qos === 0
    ? { cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }
    : { cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false, messageId });
}

export function encodeDisconnect(): Buffer {
  return generate({ cmd: 'disconnect' });
}

/** Where the fields of a pre-encoded PUBLISH sit, so copies can be patched in place. */
export interface PublishLayout {
  readonly length: number;
  /** Offset of the 2-byte packet id (QoS > 0), or -1. */
  readonly packetIdOffset: number;
  readonly payloadOffset: number;
}

export function describePublish(frame: Buffer): PublishLayout {
  const body = bodyOffset(frame, 0);
  if (body < 0) throw new Error('incomplete PUBLISH frame');
  const topicEnd = body + 2 + frame.readUInt16BE(body);
  const qos = ((frame[0] ?? 0) >> 1) & 3;
  return { length: frame.length, packetIdOffset: qos > 0 ? topicEnd : -1, payloadOffset: qos > 0 ? topicEnd + 2 : topicEnd };
}

/** Offset of the variable header after a fixed header at `start`, or -1 when incomplete. */
function bodyOffset(buf: Buffer, start: number): number {
  let i = start + 1;
  for (let n = 0; n < 4; n++) {
    if (i >= buf.length) return -1;
    if (((buf[i++] as number) & 0x80) === 0) return i;
  }
  throw new Error('malformed remaining length'); // [MQTT-2.2.3] at most 4 bytes
}

/** Called for each complete frame: first header byte, the buffer, body start and end. */
export type FrameHandler = (first: number, buf: Buffer, bodyStart: number, end: number) => void;

/**
 * Splits a byte stream into MQTT frames without decoding them; frames that straddle chunks
 * are carried over. mqtt-packet's parser costs more than the broker's work at these rates.
 */
export class FrameScanner {
  readonly #onFrame: FrameHandler;
  /** Chunks of an incomplete frame, joined only once it is complete (no quadratic copying). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the first pending frame needs in all, or 0 while its header is incomplete. */
  #needed = 0;

  constructor(onFrame: FrameHandler) {
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#needed > 0 && this.#pendingBytes < this.#needed) return;
      chunk = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    const len = chunk.length;
    let pos = 0;
    let needed = 0;
    while (pos < len) {
      let i = pos + 1;
      let value = 0;
      let mult = 1;
      let complete = false;
      while (i < len) {
        if (i - pos > 4) throw new Error('malformed remaining length'); // [MQTT-2.2.3] at most 4 bytes
        const byte = chunk[i++] as number;
        value += (byte & 0x7f) * mult;
        mult *= 128;
        if ((byte & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) break;
      if (i + value > len) { needed = i + value - pos; break; }
      this.#onFrame(chunk[pos] as number, chunk, i, i + value);
      pos = i + value;
    }
    if (pos < len) {
      // Copy the tail so a large chunk is not kept alive by a few pending bytes.
      this.#pending = [Buffer.from(chunk.subarray(pos))];
      this.#pendingBytes = len - pos;
      this.#needed = needed;
    }
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }
}

/** Offset of a received PUBLISH's payload (3.1.1: no properties). */
export function publishPayloadOffset(first: number, buf: Buffer, bodyStart: number): number {
  const topicEnd = bodyStart + 2 + buf.readUInt16BE(bodyStart);
  return ((first >> 1) & 3) > 0 ? topicEnd + 2 : topicEnd;
}

/** Packet id of a received QoS > 0 PUBLISH. */
export function publishPacketId(buf: Buffer, bodyStart: number): number {
  return buf.readUInt16BE(bodyStart + 2 + buf.readUInt16BE(bodyStart));
}
