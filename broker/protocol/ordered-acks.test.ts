// Acknowledgements leave in PUBLISH order [MQTT-4.6.0-2/3] whatever order their waits settle in;
// a failed wait refuses that ack only; one promise (a store batch) is watched once for many acks.
import { describe, expect, it } from '@jest/globals';
import { FUNCTION_ACK, OrderedAcks, type AckAction } from './ordered-acks.js';

interface Owner { readonly sent: string[] }
const ACK: AckAction<Owner> = {
  send(owner, record) { owner.sent.push(`ack ${record.packetId}`); },
  fail(owner, record, err) { owner.sent.push(`refuse ${record.packetId}: ${(err as Error).message}`); },
};

function setup() {
  const owner: Owner = { sent: [] };
  const errors: unknown[] = [];
  const acks = new OrderedAcks<Owner>(owner, (err) => errors.push(err));
  const begin = (packetId: number) => {
    const r = acks.begin(ACK);
    r.packetId = packetId;
    return r;
  };
  return { owner, errors, acks, begin };
}

describe('OrderedAcks', () => {
  it('holds a later ack behind an earlier one that waits, then sends both in order', () => {
    const { owner, acks, begin } = setup();
    const first = begin(1);
    first.hold(); // a forward to a peer
    acks.seal(first);
    const second = begin(2);
    acks.seal(second); // nothing to wait for, but after 1
    expect(owner.sent).toEqual([]);
    expect(acks.idle).toBe(false);
    first.settled(undefined);
    expect(owner.sent).toEqual(['ack 1', 'ack 2']);
    expect(acks.idle).toBe(true);
  });

  it('refuses only the ack whose wait failed; one settled while still open waits for its seal', () => {
    const { owner, acks, begin } = setup();
    const a = begin(1);
    a.hold();
    a.hold(); // two waits: a forward and a relay
    a.settled(new Error('peer b did not ack'));
    acks.seal(a);
    const b = begin(2);
    b.hold();
    b.settled(undefined); // settled inside its own dispatch (a forward refused at once)
    expect(owner.sent).toEqual([]);
    a.settled(undefined);
    expect(owner.sent).toEqual(['refuse 1: peer b did not ack']);
    acks.seal(b);
    expect(owner.sent).toEqual(['refuse 1: peer b did not ack', 'ack 2']);
  });

  it('sends nothing for a silent record but lets the acks after it go', () => {
    const { owner, acks, begin } = setup();
    const a = begin(1);
    a.silent = true;
    const b = begin(2);
    acks.seal(b);
    expect(owner.sent).toEqual([]);
    acks.seal(a);
    expect(owner.sent).toEqual(['ack 2']);
  });

  it('waits for a store batch promise shared by many acks, and refuses them all when it rejects', async () => {
    const { owner, acks, begin } = setup();
    let fail!: (err: Error) => void;
    const batch = new Promise<void>((_resolve, reject) => { fail = reject; });
    let ok!: () => void;
    const next = new Promise<void>((resolve) => { ok = resolve; });
    for (const id of [1, 2]) { const r = begin(id); acks.watch(r, batch); acks.seal(r); }
    const third = begin(3);
    acks.watch(third, next);
    acks.seal(third);
    ok();
    await next;
    expect(owner.sent).toEqual([]); // 3 waits behind 1 and 2
    fail(new Error('store down'));
    await batch.catch(() => undefined);
    await Promise.resolve();
    expect(owner.sent).toEqual(['refuse 1: store down', 'refuse 2: store down', 'ack 3']);
  });

  it('keeps order across thousands of acks settled out of order, reusing its records', () => {
    const { owner, acks } = setup();
    const records = [];
    for (let i = 1; i <= 3000; i++) {
      const r = acks.begin(ACK);
      r.packetId = i;
      r.hold();
      acks.seal(r);
      records.push(r);
    }
    for (let i = records.length - 1; i >= 0; i--) records[i]!.settled(undefined);
    expect(owner.sent).toHaveLength(3000);
    expect(owner.sent.every((s, i) => s === `ack ${i + 1}`)).toBe(true);
    // A later ack goes at once through a reused record.
    const again = acks.begin(ACK);
    expect(records).toContain(again);
    again.packetId = 3001;
    acks.seal(again);
    expect(owner.sent.at(-1)).toBe('ack 3001');
  });

  it('runs function acks and reports an action that throws without stopping the later acks', () => {
    const owner: Owner = { sent: [] };
    const errors: unknown[] = [];
    const acks = new OrderedAcks<Owner>(owner, (err) => errors.push(err));
    const r1 = acks.begin(FUNCTION_ACK);
    r1.sendFn = () => { throw new Error('socket gone'); };
    r1.failFn = () => undefined;
    const r2 = acks.begin(FUNCTION_ACK);
    r2.sendFn = () => owner.sent.push('pubcomp');
    r2.failFn = () => undefined;
    acks.seal(r2);
    acks.seal(r1);
    expect(errors).toHaveLength(1);
    expect(owner.sent).toEqual(['pubcomp']);
  });
});
