// The mesh frame codec: forward frames round-trip every field (binary properties included),
// frames split at any byte or glued together decode the same, and bad lengths/kinds are refused.
import { describe, expect, it } from '@jest/globals';
import { decodeForward, decodeForwardAcks, encodeControl, encodeForward, encodeForwardAcks, FRAME_KIND, FrameDecoder, FrameError, type ForwardFrame } from './frame-codec.js';

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
    expect(decodeForward(body)).toEqual(frame);
    const bare = { ...frame, properties: undefined, sharedGroups: [], qos: 0 as const, retain: false, id: 0, payload: Buffer.alloc(0) };
    expect(decodeForward(decodeAll(encodeForward(bare), [])[0]![1])).toEqual(bare);
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
