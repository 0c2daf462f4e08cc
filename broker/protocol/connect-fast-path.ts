// Hand-written decoding of the common CONNECT (MQTT 3.1.1, no will, ASCII client id and user
// name) and encoding of a 3.1/3.1.1 CONNACK: the connect-rate profile showed mqtt-packet's parser
// (a buffer list, a debug() call per field) and generator as a tenth of a connection's CPU.
// Anything else returns undefined and goes to mqtt-packet, the reference: see the test.
import type { IConnectPacket } from 'mqtt-packet';

const CONNECT_HEADER = 0x10;
const LEVEL_311 = 4;
const USERNAME_FLAG = 0x80;
const PASSWORD_FLAG = 0x40;
const CLEAN_FLAG = 0x02;
/** Will retain, will QoS, will flag and the reserved bit: set, the slow path decides. */
const WILL_OR_RESERVED = 0x3d;
/** 0x00 0x04 'M' 'Q' 'T' 'T' 0x04: protocol name and level of 3.1.1 [MQTT-3.1.2-1]. */
const PROTOCOL_311 = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, LEVEL_311] as const;

/**
 * Decodes a whole CONNECT frame into the packet mqtt-packet would give, or undefined when the
 * frame is not the plain 3.1.1 shape (v3/v5, a will, a non-ASCII or over-long string, a length
 * mismatch, a password without user name): mqtt-packet and validation then handle it.
 */
export function decodeSimpleConnect(frame: Buffer, maxClientIdLength: number): IConnectPacket | undefined {
  if (frame[0] !== CONNECT_HEADER) return undefined;
  // Remaining length: FrameReader checked it; a CONNECT this simple is under 16 KiB (2 bytes).
  let off = 1;
  let length = (frame[off] as number) & 0x7f;
  if (((frame[off++] as number) & 0x80) !== 0) {
    const second = frame[off++] as number;
    if ((second & 0x80) !== 0) return undefined;
    length += second << 7;
  }
  const end = off + length;
  if (end !== frame.length || length < PROTOCOL_311.length + 5) return undefined;
  for (const byte of PROTOCOL_311) if (frame[off++] !== byte) return undefined;
  const flags = frame[off++] as number;
  // [MQTT-3.1.2-3] reserved bit, [MQTT-3.1.2-13/15] will bits, [MQTT-3.1.2-22] password needs a user name
  if ((flags & WILL_OR_RESERVED) !== 0 || ((flags & PASSWORD_FLAG) !== 0 && (flags & USERNAME_FLAG) === 0)) return undefined;
  const keepalive = frame.readUInt16BE(off);
  off += 2;
  const clientIdEnd = asciiStringEnd(frame, off, end);
  if (clientIdEnd < 0 || clientIdEnd - off - 2 > maxClientIdLength) return undefined;
  const packet = {
    cmd: 'connect', retain: false, qos: 0, dup: false, length, topic: null, payload: null,
    protocolId: 'MQTT', protocolVersion: LEVEL_311, clean: (flags & CLEAN_FLAG) !== 0, keepalive,
    clientId: frame.toString('latin1', off + 2, clientIdEnd),
  } as IConnectPacket & { topic: null; payload: null };
  off = clientIdEnd;
  if ((flags & USERNAME_FLAG) !== 0) {
    const usernameEnd = asciiStringEnd(frame, off, end);
    if (usernameEnd < 0) return undefined;
    packet.username = frame.toString('latin1', off + 2, usernameEnd);
    off = usernameEnd;
  }
  if ((flags & PASSWORD_FLAG) !== 0) {
    if (end - off < 2) return undefined;
    const passwordEnd = off + 2 + frame.readUInt16BE(off);
    if (passwordEnd > end) return undefined;
    // A copy: the frame may be a view into the socket's read chunk.
    packet.password = Buffer.from(frame.subarray(off + 2, passwordEnd));
    off = passwordEnd;
  }
  return off === end ? packet : undefined;
}

/**
 * End of the length-prefixed string at `off` when it fits before `end` and is printable ASCII
 * (no U+0000 [MQTT-1.5.4-2], nothing for UTF-8 validation to decide), else -1.
 */
function asciiStringEnd(frame: Buffer, off: number, end: number): number {
  if (end - off < 2) return -1;
  const stringEnd = off + 2 + frame.readUInt16BE(off);
  if (stringEnd > end) return -1;
  for (let i = off + 2; i < stringEnd; i++) {
    const byte = frame[i] as number;
    if (byte < 0x20 || byte > 0x7e) return -1;
  }
  return stringEnd;
}

/** The four bytes of every 3.1/3.1.1 CONNACK, shared (never written to): [session present][return code]. */
const CONNACKS: readonly (readonly Buffer[])[] = [0, 1].map((sessionPresent) =>
  [0, 1, 2, 3, 4, 5].map((returnCode) => Buffer.from([0x20, 0x02, sessionPresent, returnCode])));

/**
 * A 3.1/3.1.1 CONNACK [MQTT-3.2], or undefined for what mqtt-packet should encode or reject
 * (v5, a missing or unknown return code).
 */
export function encodeSimpleConnack(version: number, sessionPresent: boolean, returnCode: number | undefined): Buffer | undefined {
  if (version === 5 || returnCode === undefined) return undefined;
  return CONNACKS[sessionPresent ? 1 : 0]?.[returnCode];
}
