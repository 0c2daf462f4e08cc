// The mesh frame codec: forward frames round-trip every field (binary properties included),
// frames split at any byte or glued together decode the same, and bad lengths/kinds are refused.
import { describe, expect, it } from '@jest/globals';
import { encodePlainPublish } from '../protocol/publish-encoding.js';
import { decodeForward, decodeForwardAcks, ForwardStrings, encodeControl, encodeForward, encodeForwardAcks, FRAME_KIND, FrameDecoder, FrameError, type ForwardFrame } from './frame-codec.js';

const frame: ForwardFrame = {
  id: 0xfffffffe, topic: 'a/ü/b', payload: Buffer.from([0, 1, 2, 255]), qos: 2, retain: true,
  properties: { payloadFormatIndicator: true, contentType: 'application/x', responseTopic: 'r/t', correlationData: Buffer.from([7, 8]), userProperties: { k: 'v', multi: ['1', '2'] } },
  expiresAt: 1700000000123, receivedAt: 1700000000000, originClientId: 'client-ü', sharedGroups: ['$share/g/a/#', '$share/h/+/ü/b'],
};

function decodeAll(bytes: Buffer, splits: number[]): Array<[number, Buffer]> {
  const decoder = new FrameDecoder(1 << 20);
  const out: Array<[number, Buffer]> = [];
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    decoder.push(bytes.subarray(from, at), (kind, body) => out.push([kind, Buffer.from(body)]));
    from = at;
  }
  return out;
}

describe('frame codec', () => {
  it('round-trips a forward frame with every field', () => {
    const [[kind, body]] = decodeAll(encodeForward(frame), []) as [[number, Buffer]];
    expect(kind).toBe(FRAME_KIND.forward);
    expect(decodeForward(body)).toEqual({ ...frame, publish: expect.any(Buffer) });
    const bare = { ...frame, properties: undefined, sharedGroups: [], qos: 0 as const, retain: false, id: 0, payload: Buffer.alloc(0) };
    expect(decodeForward(decodeAll(encodeForward(bare), [])[0]![1])).toEqual({ ...bare, publish: expect.any(Buffer) });
  });

  it('hands the receiver the message as the MQTT 3.1.1 PUBLISH a subscriber gets, payload a view of it', () => {
    // Topic lengths around the remaining-length steps (127/128, 16383/16384 bytes) and multi-byte UTF-8.
    for (const [topic, size] of [['a/ü/b', 4], ['t', 0], ['x'.repeat(100), 27], ['x', 124], ['y'.repeat(200), 16200], ['z', 16381]] as const) {
      for (const qos of [0, 1, 2] as const) {
        const message = { ...frame, topic, qos, payload: Buffer.alloc(size, 0xa5) };
        // In a larger socket chunk, so that the payload is copied out of it (one over half its chunk stays a slice).
        const encoded = encodeForward(message);
        const chunk = Buffer.alloc(encoded.length + 3 * size + 64);
        encoded.copy(chunk);
        const decoded = decodeForward(chunk.subarray(5, encoded.length));
        expect(decoded.publish).toEqual(encodePlainPublish(4, topic, message.payload, qos, false, false, qos > 0 ? 1 : 0));
        expect(decoded.payload.buffer).toBe(decoded.publish!.buffer);
        expect(decoded.payload).toEqual(message.payload);
      }
    }
  });

  it('decodes a peer\'s repeated topic and client id from its last frame, and a changed one afresh', () => {
    const strings = new ForwardStrings();
    const frames = [['a/b', 'c1'], ['a/b', 'c1'], ['a/c', 'c1'], ['a/c', 'c2'], ['a/ü', 'c2'], ['a/ü/x', 'c22'], ['', 'c22'], ['a/b', '']] as const;
    for (const [topic, client] of frames) {
      const body = Buffer.from(encodeForward({ ...frame, topic, originClientId: client }).subarray(5));
      const decoded = decodeForward(body, strings);
      expect([decoded.topic, decoded.originClientId]).toEqual([topic, client]);
    }
  });

  it('keeps a payload that fills most of its frame as a slice of it, with no prebuilt PUBLISH', () => {
    const big = { ...frame, payload: Buffer.alloc(50000, 1) };
    const body = Buffer.from(encodeForward(big).subarray(5));
    const decoded = decodeForward(body);
    expect(decoded.publish).toBeUndefined();
    expect(decoded.payload.buffer).toBe(body.buffer);
    expect(decoded.payload).toEqual(big.payload);
  });

  it('decodes the same frames however the bytes are split or glued', () => {
    const bytes = Buffer.concat([encodeForward(frame), encodeForwardAcks([1, 2, 0xffffffff]), encodeControl({ t: 'hb', at: 5 })]);
    const whole = decodeAll(bytes, []);
    expect(whole.map(([k]) => k)).toEqual([FRAME_KIND.forward, FRAME_KIND.forwardAck, FRAME_KIND.control]);
    expect(decodeForwardAcks(whole[1]![1])).toEqual([1, 2, 0xffffffff]);
    for (let at = 1; at < bytes.length; at++) expect(decodeAll(bytes, [at])).toEqual(whole);
    expect(decodeAll(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('refuses an oversized length, an unknown kind and a truncated forward body', () => {
    const big = Buffer.alloc(5);
    big.writeUInt32BE(2 << 20, 0);
    expect(() => new FrameDecoder(1 << 20).push(big, () => undefined)).toThrow(FrameError);
    const unknown = Buffer.from([0, 0, 0, 1, 99]);
    expect(() => new FrameDecoder(1 << 20).push(unknown, () => undefined)).toThrow(/unknown frame kind/);
    const body = decodeAll(encodeForward(frame), [])[0]![1];
    expect(() => decodeForward(body.subarray(0, 30))).toThrow(/truncated/);
  });
});
