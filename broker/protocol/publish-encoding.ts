// Encoding outgoing PUBLISH packets: once per (protocol version, QoS, retain) for a whole
// fan-out, with only the packet id (and DUP) patched per subscriber.
import type { IPublishPacket } from 'mqtt-packet';
import type { Message, QoS } from '../routing/message.js';
import { encodePacket } from './codec.js';
import type { ProtocolVersion } from './codec.js';

type PublishProperties = NonNullable<IPublishPacket['properties']>;

/** v5 properties of an outgoing PUBLISH from the message and this delivery. */
export function publishProperties(message: Message, now: number, subscriptionIds: readonly number[] | undefined,
  topicAlias: number | undefined): PublishProperties | undefined {
  const p = message.properties;
  if (p === undefined && message.expiresAt === 0 && subscriptionIds === undefined && topicAlias === undefined) return undefined;
  const out: PublishProperties = {};
  if (p !== undefined) {
    if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
    if (p.contentType !== undefined) out.contentType = p.contentType;
    if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
    if (p.correlationData !== undefined) out.correlationData = p.correlationData;
    if (p.userProperties !== undefined) out.userProperties = p.userProperties;
  }
  // [MQTT-3.3.2-6] the expiry sent on is what is left of it
  if (message.expiresAt !== 0) out.messageExpiryInterval = Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
  if (subscriptionIds !== undefined && subscriptionIds.length > 0) {
    out.subscriptionIdentifier = subscriptionIds.length === 1 ? subscriptionIds[0] as number : [...subscriptionIds];
  }
  if (topicAlias !== undefined) out.topicAlias = topicAlias;
  return out;
}

export function encodePublish(version: ProtocolVersion, topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean,
  packetId: number, properties: PublishProperties | undefined): Buffer {
  if (properties === undefined || version !== 5) return encodePlainPublish(version, topic, payload, qos, retain, dup, packetId);
  const packet: IPublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup };
  if (qos > 0) packet.messageId = packetId;
  if (properties !== undefined && version === 5) packet.properties = properties;
  return encodePacket(packet, version);
}

/** Offset of the packet identifier in an encoded QoS 1/2 PUBLISH. */
export function packetIdOffset(encoded: Buffer): number {
  let i = 1;
  while (((encoded[i++] as number) & 0x80) !== 0);
  return i + 2 + encoded.readUInt16BE(i);
}

/** A copy of an encoded QoS 1/2 PUBLISH with another packet id and DUP flag. */
/**
 * A shared QoS 1/2 encoding for one subscriber, in two parts when it is large: a patched copy
 * of the fixed header, topic and packet id, and the payload as a view of the shared buffer
 * (written together by the corked socket), so a big message to many subscribers is not copied
 * once per subscriber. `tail` is undefined when one small copy is cheaper.
 */
export function splitWithPacketId(encoded: Buffer, packetId: number): { head: Buffer; tail: Buffer | undefined } {
  if (encoded.length <= SPLIT_ABOVE_BYTES) return { head: withPacketId(encoded, packetId, false), tail: undefined };
  const end = packetIdOffset(encoded) + 2;
  const head = Buffer.allocUnsafe(end);
  encoded.copy(head, 0, 0, end);
  head.writeUInt16BE(packetId, end - 2);
  head[0] = (head[0] as number) & ~0x08;
  return { head, tail: encoded.subarray(end) };
}

/** Below this a single copy costs less than a second buffer in the socket's write queue. */
const SPLIT_ABOVE_BYTES = 1024;

export function withPacketId(encoded: Buffer, packetId: number, dup: boolean): Buffer {
  const copy = Buffer.allocUnsafe(encoded.length);
  encoded.copy(copy);
  copy.writeUInt16BE(packetId, packetIdOffset(encoded));
  copy[0] = dup ? (copy[0] as number) | 0x08 : (copy[0] as number) & ~0x08;
  return copy;
}

/**
 * Fast path for a PUBLISH without properties (the common case): the profile showed mqtt-packet's
 * generate (an EventEmitter and debug calls per packet) as a large share of fan-out time. Tested
 * byte-for-byte against mqtt-packet in codec.test.ts.
 */
export function encodePlainPublish(version: ProtocolVersion, topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean,
  packetId: number): Buffer {
  const topicLength = Buffer.byteLength(topic);
  const remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const buf = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  buf[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let off = 1;
  let n = remaining;
  do {
    let byte = n % 0x80;
    n = Math.floor(n / 0x80);
    if (n > 0) byte |= 0x80;
    buf[off++] = byte;
  } while (n > 0);
  buf.writeUInt16BE(topicLength, off);
  off += 2;
  off += buf.write(topic, off, topicLength, 'utf8');
  if (qos > 0) {
    buf.writeUInt16BE(packetId, off);
    off += 2;
  }
  if (version === 5) buf[off++] = 0; // empty properties section
  payload.copy(buf, off);
  return buf;
}
