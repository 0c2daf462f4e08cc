// A session snapshot crosses the mesh inside a JSON takeover frame. It is plain JSON except for
// Buffers (payloads, correlation data): those become { $b64 } on the way out and Buffers again
// on the way in, so the importing broker gets exactly what the exporting one had.

const B64 = '$b64';

/** Deep copy of `value` with every Buffer/Uint8Array replaced by `{ $b64: base64 }`. */
export function encodeSnapshot(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return { [B64]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeSnapshot);
  if (value instanceof Map) throw new TypeError('a session snapshot must not contain a Map (not JSON)');
  if (value instanceof Set) throw new TypeError('a session snapshot must not contain a Set (not JSON)');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeSnapshot(v);
  return out;
}

/** The inverse of encodeSnapshot, for a peer's JSON. */
export function decodeSnapshot(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeSnapshot);
  const record = value as Record<string, unknown>;
  const b64 = record[B64];
  if (typeof b64 === 'string' && Object.keys(record).length === 1) return Buffer.from(b64, 'base64');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decodeSnapshot(v);
  return out;
}
