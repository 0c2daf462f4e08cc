// The binary route snapshot chunk: what is encoded decodes to the same filters in order, a chunk is
// cut before it passes its byte budget, and a malformed chunk (cut short, an empty filter, bytes
// left over, a filter the table would refuse) throws a FrameError having applied nothing.
import { describe, expect, it } from '@jest/globals';
import { decodeRouteChunk, encodeRouteChunk } from './route-chunk-codec.js';
import { FrameError } from './frame-codec.js';

const body = (frame: Buffer): Buffer => frame.subarray(5);

/** A chunk body from raw filters, with no check (what a faulty peer could send). */
function rawBody(filters: string[]): Buffer {
  const parts = filters.map((f) => { const b = Buffer.from(f, 'utf8'); const len = Buffer.alloc(2); len.writeUInt16BE(b.length); return Buffer.concat([len, b]); });
  const count = Buffer.alloc(4);
  count.writeUInt32BE(filters.length);
  return Buffer.concat([count, ...parts]);
}

describe('route chunk codec', () => {
  it('round-trips filters in order, UTF-8 and shared ones included, and cuts a chunk at its byte budget', () => {
    const filters = ['a/+', 'devices/#', 'héllo/wörld', '$share/g/x/+', 'a//b/'];
    const { frame, end } = encodeRouteChunk(filters, 0, filters.length, 1 << 20);
    expect(end).toBe(filters.length);
    const seen: string[] = [];
    expect(decodeRouteChunk(body(frame), (f) => seen.push(f))).toBe(filters.length);
    expect(seen).toEqual(filters);
    const cut = encodeRouteChunk(filters, 0, filters.length, 5 + 4 + 2 + 3 + 2 + 9);
    expect(cut.end).toBe(2);
  });

  it.each([
    ['cut short', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['bytes left over', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
    ['no count', () => Buffer.alloc(2)],
  ])('a chunk %s throws a FrameError and applies nothing', (_what, mangle) => {
    const seen: string[] = [];
    expect(() => decodeRouteChunk(mangle(rawBody(['a/+', 'b/#'])), (f) => seen.push(f))).toThrow(FrameError);
    expect(seen).toEqual([]);
  });

  it('an empty filter or one the table would refuse throws a FrameError before any filter is applied', () => {
    for (const filters of [['a/+', ''], ['a/+', '$share/g', 'b/+']]) {
      const seen: string[] = [];
      expect(() => decodeRouteChunk(rawBody(filters), (f) => seen.push(f))).toThrow(FrameError);
      expect(seen).toEqual([]);
    }
  });
});
