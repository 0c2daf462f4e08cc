// The binary route snapshot chunk (frame kind routeChunk): [u32 count] then count times
// [u16 byte length][filter UTF-8]. A JSON chunk cost a zod pass and an array per 5,000 routes;
// this one is read in place into the table. A peer's chunk is parsed, never trusted.
import { parseSharedFilter } from '../routing/topic.js';
import { FRAME_KIND, FrameError } from './frame-codec.js';

const HEADER_BYTES = 5;
const COUNT_BYTES = 4;
/** A topic filter is at most 65,535 bytes of UTF-8 [MQTT-1.5.4]. */
const MAX_FILTER_BYTES = 0xffff;

/** A frame for `filters[from, to)`, cut earlier when it would pass `maxBytes`; returns it and where it stopped. */
export function encodeRouteChunk(filters: readonly string[], from: number, to: number, maxBytes: number): { frame: Buffer; end: number } {
  // Exact size first (one pass of byteLength), then one write each: no growing buffer.
  let bytes = HEADER_BYTES + COUNT_BYTES;
  let end = from;
  while (end < to) {
    const size = Buffer.byteLength(filters[end]!, 'utf8');
    if (size > MAX_FILTER_BYTES) throw new RangeError(`a route filter of ${size} bytes is over the ${MAX_FILTER_BYTES}-byte limit`);
    if (end > from && bytes + 2 + size > maxBytes) break;
    bytes += 2 + size;
    end++;
  }
  const out = Buffer.allocUnsafe(bytes);
  out.writeUInt32BE(bytes - 4, 0);
  out[4] = FRAME_KIND.routeChunk;
  out.writeUInt32BE(end - from, HEADER_BYTES);
  let at = HEADER_BYTES + COUNT_BYTES;
  for (let i = from; i < end; i++) {
    const written = out.write(filters[i]!, at + 2, 'utf8');
    out.writeUInt16BE(written, at);
    at += 2 + written;
  }
  return { frame: out, end };
}

/**
 * Calls `visit` with each filter of a chunk body (the frame without its 5-byte header). Checks the
 * whole body first, so a malformed chunk applies nothing and closes only its connection.
 */
export function decodeRouteChunk(body: Buffer, visit: (filter: string) => void): number {
  if (body.length < COUNT_BYTES) throw new FrameError('malformed_frame', `route chunk of ${body.length} bytes has no count`);
  const count = body.readUInt32BE(0);
  let at = COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 2 > body.length) throw new FrameError('malformed_frame', `route chunk ends inside filter ${i} of ${count}`);
    const size = body.readUInt16BE(at);
    if (size === 0) throw new FrameError('malformed_frame', `route chunk filter ${i} is empty`);
    at += 2 + size;
  }
  if (at !== body.length) throw new FrameError('malformed_frame', `route chunk of ${count} filters is ${body.length} bytes, expected ${at}`);
  // Every filter is read and checked before any is applied: one the table would refuse (a bad
  // shared filter) must not leave the chunk half in the table.
  const filters = new Array<string>(count);
  at = COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    const size = body.readUInt16BE(at);
    const filter = body.toString('utf8', at + 2, at + 2 + size);
    const shared = parseSharedFilter(filter);
    if (shared !== undefined && 'error' in shared) throw new FrameError('malformed_frame', `route chunk filter ${i} is not a valid shared filter: ${shared.error}`);
    filters[i] = filter;
    at += 2 + size;
  }
  for (let i = 0; i < count; i++) visit(filters[i]!);
  return count;
}
