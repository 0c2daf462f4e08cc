// Stored entries survive the round trip, whichever way they are written: an entry of its own and
// one appended to a write batch are the same bytes (ASCII strings take a fast path, others do not).
import { describe, expect, it } from '@jest/globals';
import { createMessage } from '../routing/message.js';
import { appendEntry, decodeDelivery, decodeInflight, encodeDelivery, encodeInflight, type EntrySink } from './store-codec.js';
import type { StoredDelivery, StoredInflight } from './store.js';

function sink(): EntrySink {
  const s: EntrySink = {
    buf: Buffer.alloc(4), len: 0,
    ensure(n) {
      if (s.len + n <= s.buf.length) return;
      const bigger = Buffer.alloc(s.len + n);
      s.buf.copy(bigger, 0, 0, s.len);
      s.buf = bigger;
    },
  };
  return s;
}

const delivery = (topic: string, origin: string, extra: Partial<StoredDelivery> = {}): StoredDelivery => ({
  message: createMessage({
    topic, payload: Buffer.from('payload ✓'), qos: 1, retain: true, originClientId: origin, originNode: 'node-ä', receivedAt: 1700000000123,
    expiresAt: 1700000009000, originSeq: 42, properties: { contentType: 'text/plain', correlationData: Buffer.from([1, 2, 3]) },
  }),
  qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined, ...extra,
});

const cases: Array<[string, StoredDelivery]> = [
  ['ASCII strings', delivery('sensors/a/1', 'client-1')],
  ['non-ASCII strings', delivery('capteurs/température/é', 'клиент', { shareGroup: 'grüppe' })],
  ['strings past the fast path', delivery(`long/${'x'.repeat(100)}`, 'c'.repeat(65), { subscriptionIds: [1, 268435455] })],
  ['an empty topic level and client id', delivery('/', '')],
];

describe('store codec', () => {
  it.each(cases)('writes the same entry alone and appended to a batch (%s), and reads it back', (_name, d) => {
    const alone = encodeDelivery(d);
    const s = sink();
    s.len = 3; // after other bytes of the batch
    const size = appendEntry(s, d, undefined);
    expect(size).toBe(alone.length);
    expect(s.buf.subarray(3, 3 + size)).toEqual(alone);
    expect(decodeDelivery(alone)).toEqual(d);
  });

  it('keeps an inflight entry\'s packet id and state', () => {
    const entry: StoredInflight = { ...delivery('t/ü', 'c'), packetId: 65535, state: 'pubrel' };
    const s = sink();
    const size = appendEntry(s, entry, entry);
    expect(s.buf.subarray(0, size)).toEqual(encodeInflight(entry));
    expect(decodeInflight(encodeInflight(entry))).toEqual(entry);
  });
});
