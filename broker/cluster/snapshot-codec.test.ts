// Session snapshots survive the JSON takeover frame, Buffers included.
import { describe, expect, it } from '@jest/globals';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

describe('session snapshot codec', () => {
  it('carries Buffers through JSON and back', () => {
    const snapshot = { clientId: 'c', queued: [{ topic: 't', payload: Buffer.from([0, 255]), properties: { correlationData: Buffer.from('x') } }], n: 1, none: null };
    const wire = JSON.parse(JSON.stringify(encodeSnapshot(snapshot))) as unknown;
    expect(decodeSnapshot(wire)).toEqual(snapshot);
    expect(() => encodeSnapshot({ m: new Map() })).toThrow(/Map/);
  });
});
