// Hand-written decoding and encoding of the packets that carry the traffic: PUBLISH (3.1, 3.1.1,
// and 5.0 without properties), the QoS acknowledgements and PINGREQ/PINGRESP. The profile showed
// mqtt-packet's parser (a buffer list, a debug() call per field, a Packet per frame) as the largest
// cost of a publish. Anything unusual returns undefined and goes to mqtt-packet, which stays the
// reference: fast-codec.test.ts checks both give the same packet for the same bytes.
import type { Packet } from 'mqtt-packet';

const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const PINGREQ = 12;
const ACK_NAMES = ['', '', '', '', 'puback', 'pubrec', 'pubrel', 'pubcomp'] as const;

/**
 * Decodes one whole frame (as FrameReader cuts them) of a connection speaking `version`, or
 * returns undefined when the frame is not one of the common shapes (the caller then uses
 * mqtt-packet, which also produces the right error for a broken frame).
 */
export function decodeHotPacket(frame: Buffer, version: number): Packet | undefined {
  const first = frame[0] as number;
  const type = first >> 4;
  // Remaining length: FrameReader already checked it is well-formed and matches the frame.
  let length = 0;
  let mul = 1;
  let off = 1;
  let byte: number;
  do {
    byte = frame[off++] as number;
    length += (byte & 0x7f) * mul;
    mul *= 0x80;
  } while ((byte & 0x80) !== 0 && off < 5);
  const end = off + length;
  if (end !== frame.length) return undefined;
  switch (type) {
    case PUBLISH: return decodePublish(frame, first, off, end, length, version);
    case PUBACK: case PUBREC: case PUBREL: case PUBCOMP: {
      // [MQTT-2.2.2-1/2] PUBREL's flags are 0010, the others' 0000; anything else is an error for mqtt-packet to report
      if ((first & 0x0f) !== (type === PUBREL ? 0x02 : 0x00) || length !== 2) return undefined;
      const packet = {
        cmd: ACK_NAMES[type], retain: false, qos: type === PUBREL ? 1 : 0, dup: false, length, topic: null, payload: null,
        messageId: frame.readUInt16BE(off),
      } as Record<string, unknown>;
      // v5: a length of 2 means Success and no properties [MQTT-3.4.2-1]
      if (version === 5) packet.reasonCode = 0;
      return packet as unknown as Packet;
    }
    case PINGREQ:
      if (first !== 0xc0 || length !== 0) return undefined;
      return { cmd: 'pingreq', retain: false, qos: 0, dup: false, length: 0, topic: null, payload: null } as unknown as Packet;
    default:
      return undefined;
  }
}

function decodePublish(frame: Buffer, first: number, start: number, end: number, length: number, version: number): Packet | undefined {
  const qos = (first >> 1) & 0x03;
  if (qos === 3) return undefined;
  let off = start;
  if (end - off < 2) return undefined;
  const topicLength = frame.readUInt16BE(off);
  off += 2;
  if (off + topicLength > end) return undefined;
  const topic = frame.toString('utf8', off, off + topicLength);
  // A replacement character may be a bad byte sequence, U+0000 is forbidden [MQTT-1.5.4-1/2]:
  // the strict parser decides both.
  if (topic.includes('\uFFFD') || topic.includes('\u0000')) return undefined;
  off += topicLength;
  let messageId: number | undefined;
  if (qos > 0) {
    if (end - off < 2) return undefined;
    messageId = frame.readUInt16BE(off);
    off += 2;
  }
  if (version === 5) {
    // Only an empty properties section here; properties go through mqtt-packet and validation.
    if (off >= end || frame[off] !== 0) return undefined;
    off++;
  }
  const packet: Record<string, unknown> = {
    cmd: 'publish', retain: (first & 0x01) !== 0, qos, dup: (first & 0x08) !== 0, length, topic,
    payload: frame.subarray(off, end),
  };
  if (messageId !== undefined) packet.messageId = messageId;
  return packet as unknown as Packet;
}

const ACK_HEADERS: Readonly<Record<string, number>> = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 };
const PINGRESP = Buffer.from([0xd0, 0x00]);

/**
 * Encodes the hot outgoing control packets (acknowledgements with success and no properties,
 * PINGRESP), or returns undefined for mqtt-packet to encode. A v5 acknowledgement without a
 * reason code is Success, sent in the short form [MQTT-3.4.2-1].
 */
export function encodeHotPacket(packet: Packet): Buffer | undefined {
  const cmd = packet.cmd;
  if (cmd === 'pingresp') return PINGRESP;
  const header = ACK_HEADERS[cmd];
  if (header === undefined) return undefined;
  const ack = packet as { messageId?: number; reasonCode?: number; properties?: unknown };
  const id = ack.messageId;
  if (ack.properties !== undefined || (ack.reasonCode !== undefined && ack.reasonCode !== 0)) return undefined;
  if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0xffff) return undefined;
  const buf = Buffer.allocUnsafe(4);
  buf[0] = header;
  buf[1] = 2;
  buf[2] = id >> 8;
  buf[3] = id & 0xff;
  return buf;
}
