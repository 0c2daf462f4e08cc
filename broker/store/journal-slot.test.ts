// The writes that cancel out within one batch (journal-slot.ts), and the ones that must not.
import { describe, expect, it } from '@jest/globals';
import { createMessage } from '../routing/message.js';
import { JournalSlot, type JournalSubject } from './journal-slot.js';
import type { StoredDelivery, StoredInflight } from './store.js';

const subject = (): JournalSubject => ({ clientId: 'c', fence: 5, writeSeq: 0, journalSlot: undefined });
const delivery = (p: string): StoredDelivery => ({
  message: createMessage({ topic: 't', payload: Buffer.from(p), qos: 1, retain: false, originClientId: 'p', originNode: 'n', receivedAt: 0 }),
  qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined,
});
const inflight = (id: number, state: 'publish' | 'pubrel' = 'publish'): StoredInflight => ({ ...delivery(`i${id}`), packetId: id, state });
const kinds = (slot: JournalSlot): string[] => slot.liveOpList().map((op) => (op.k === 'shift' ? `shift:${op.count}` : op.k === 'push' ? `push:${op.delivery.message.payload.toString()}` : op.k === 'inflight' ? `inflight:${op.entry.packetId}:${op.entry.state}` : op.k === 'inflightDel' ? `del:${op.packetId}` : op.k));

describe('JournalSlot', () => {
  it('drops a message sent and acknowledged within the batch', () => {
    const slot = new JournalSlot(subject(), 1);
    slot.putInflight(inflight(1), true);
    slot.putInflight(inflight(2), true);
    slot.deleteInflight(1);
    expect(kinds(slot)).toEqual(['inflight:2:publish']);
    // A QoS 2 one moved to pubrel and completed in the batch: nothing either.
    slot.putInflight(inflight(2, 'pubrel'), false);
    expect(kinds(slot)).toEqual(['inflight:2:pubrel']);
    slot.deleteInflight(2);
    expect(slot.liveOps).toBe(0);
  });

  it('keeps the delete of an entry stored by an earlier batch, and its state change', () => {
    const slot = new JournalSlot(subject(), 1);
    slot.putInflight(inflight(7, 'pubrel'), false);
    slot.deleteInflight(7);
    slot.deleteInflight(8);
    expect(kinds(slot)).toEqual(['inflight:7:pubrel', 'del:7', 'del:8']);
  });

  it('drops queue entries pushed and sent within the batch, shifting only what the store holds', () => {
    const slot = new JournalSlot(subject(), 1);
    // The store holds 2 queued entries; this batch pushes 3 more, then 4 leave the queue.
    slot.push(delivery('a'));
    slot.push(delivery('b'));
    slot.push(delivery('c'));
    slot.shift(4, 5);
    expect(kinds(slot)).toEqual(['push:c', 'shift:2']);
    slot.shift(1, 1);
    expect(kinds(slot)).toEqual(['shift:2']);
  });

  it('trims the stored entries that leave the queue one PUBACK at a time with one shift', () => {
    const slot = new JournalSlot(subject(), 1);
    // The store holds 3 queued entries; they leave one by one while new ones arrive behind them.
    slot.shift(1, 3);
    slot.push(delivery('a'));
    slot.shift(1, 3);
    slot.push(delivery('b'));
    slot.shift(1, 3);
    expect(kinds(slot)).toEqual(['shift:3', 'push:a', 'push:b']);
    // Past the stored ones the batch's own pushes cancel: nothing more is trimmed.
    slot.shift(1, 2);
    expect(kinds(slot)).toEqual(['shift:3', 'push:b']);
  });

  it('starts a new shift after a clear, an expiry or a rewrite (the list changed in between)', () => {
    const slot = new JournalSlot(subject(), 1);
    slot.shift(1, 4);
    slot.op({ k: 'expireQueue', now: 1 });
    slot.shift(1, 2);
    slot.shift(1, 1);
    slot.op({ k: 'clearQueue' });
    slot.push(delivery('a'));
    slot.op({ k: 'expireQueue', now: 2 });
    slot.shift(1, 1);
    expect(kinds(slot)).toEqual(['shift:1', 'expireQueue', 'shift:2', 'clearQueue', 'push:a', 'expireQueue', 'shift:1']);
  });

  it('after a queue expiry counts what is left as stored (entries left the middle)', () => {
    const slot = new JournalSlot(subject(), 1);
    slot.push(delivery('a'));
    slot.op({ k: 'expireQueue', now: 1 });
    slot.shift(1, 1);
    expect(kinds(slot)).toEqual(['push:a', 'expireQueue', 'shift:1']);
  });

  it('keeps only the last record, and a delete or rewrite replaces everything before it', () => {
    const slot = new JournalSlot(subject(), 1);
    const record = { clientId: 'c', username: undefined, protocolVersion: 5 as const, expiryInterval: 9, disconnectedAt: undefined, node: 'n', will: undefined };
    slot.op({ k: 'record', record, expiresAt: 0 });
    slot.push(delivery('a'));
    slot.op({ k: 'record', record: { ...record, expiryInterval: 10 }, expiresAt: 5 });
    expect(kinds(slot)).toEqual(['push:a', 'record']);
    slot.op({ k: 'clearQueue' });
    expect(kinds(slot)).toEqual(['record', 'clearQueue']);
    slot.op({ k: 'delete' });
    expect(kinds(slot)).toEqual(['delete']);
  });
});
