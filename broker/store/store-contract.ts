// The conformance suite every Store implementation runs: call it from a test file with a
// factory (memory-store.test.ts; the Redis store's test later).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createMessage } from '../routing/message.js';
import type { Message } from '../routing/message.js';
import type { SessionRecord, Store, StoredDelivery } from './store.js';

function message(topic: string, payload = 'x', extra: Partial<Message> = {}): Message {
  return createMessage({
    topic, payload: Buffer.from(payload), qos: 1, retain: false, originClientId: 'pub', originNode: 'n1', receivedAt: 1000,
    ...extra,
  });
}

function record(clientId: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return { clientId, username: 'u', protocolVersion: 5, expiryInterval: 3600, disconnectedAt: undefined, node: 'n1', will: undefined, ...extra };
}

function delivery(m: Message): StoredDelivery {
  return { message: m, qos: 1, retain: false, subscriptionIds: [7], shareGroup: undefined };
}

export function runStoreContract(name: string, createStore: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => { store = await createStore(); });
    afterEach(async () => { await store.close(); });

    it('saves, loads and deletes a session record', async () => {
      expect(await store.loadSession('c1')).toBeUndefined();
      await store.saveSession(record('c1'));
      const will = { message: message('will/t', 'bye', { properties: { contentType: 'text/plain' } }), delayInterval: 5 };
      await store.saveSession(record('c1', { disconnectedAt: 5000, will }));
      const s = await store.loadSession('c1');
      expect(s?.record.disconnectedAt).toBe(5000);
      expect(s?.record.will?.message.payload.toString()).toBe('bye');
      expect(s?.record.will?.message.properties?.contentType).toBe('text/plain');
      expect(s?.record.will?.delayInterval).toBe(5);
      await store.deleteSession('c1');
      expect(await store.loadSession('c1')).toBeUndefined();
    });

    it('keeps subscriptions by filter, replacing on the same filter', async () => {
      await store.saveSession(record('c1'));
      const base = { qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const, subscriptionId: undefined };
      await store.putSubscription('c1', { filter: 'a/+', ...base });
      await store.putSubscription('c1', { filter: '$share/g/b/#', ...base, subscriptionId: 3 });
      await store.putSubscription('c1', { filter: 'a/+', ...base, qos: 2 });
      await store.deleteSubscription('c1', 'missing');
      let s = await store.loadSession('c1');
      expect(s?.subscriptions.map((x) => [x.filter, x.qos, x.subscriptionId]).sort()).toEqual([['$share/g/b/#', 1, 3], ['a/+', 2, undefined]]);
      await store.deleteSubscription('c1', 'a/+');
      s = await store.loadSession('c1');
      expect(s?.subscriptions.map((x) => x.filter)).toEqual(['$share/g/b/#']);
    });

    it('queues in order, shifts and clears', async () => {
      await store.saveSession(record('c1'));
      for (let i = 0; i < 5; i++) await store.pushQueued('c1', delivery(message('t', `m${i}`)));
      await store.shiftQueued('c1', 2);
      let s = await store.loadSession('c1');
      expect(s?.queue.map((d) => d.message.payload.toString())).toEqual(['m2', 'm3', 'm4']);
      expect(s?.queue[0]?.subscriptionIds).toEqual([7]);
      await store.clearQueue('c1');
      s = await store.loadSession('c1');
      expect(s?.queue).toEqual([]);
    });

    it('keeps outgoing inflight by packet id and incoming QoS 2 ids', async () => {
      await store.saveSession(record('c1'));
      await store.putInflight('c1', { ...delivery(message('t', 'a')), packetId: 1, state: 'publish' });
      await store.putInflight('c1', { ...delivery(message('t', 'b')), packetId: 2, state: 'publish' });
      await store.putInflight('c1', { ...delivery(message('t', 'a')), packetId: 1, state: 'pubrel' });
      await store.deleteInflight('c1', 2);
      await store.addIncomingQos2('c1', 10);
      await store.addIncomingQos2('c1', 11);
      await store.deleteIncomingQos2('c1', 10);
      const s = await store.loadSession('c1');
      expect(s?.inflight.map((e) => [e.packetId, e.state])).toEqual([[1, 'pubrel']]);
      expect(s?.incomingQos2).toEqual([11]);
    });

    it('lists every session and deletes everything under one', async () => {
      await store.saveSession(record('a'));
      await store.saveSession(record('b'));
      await store.pushQueued('b', delivery(message('t')));
      await store.deleteSession('b');
      await store.saveSession(record('b'));
      const all = await store.loadSessions();
      expect(all.map((s) => s.record.clientId).sort()).toEqual(['a', 'b']);
      expect(all.find((s) => s.record.clientId === 'b')?.queue).toEqual([]);
    });

    it('stores, replaces and deletes retained messages with their properties', async () => {
      await store.putRetained(message('r/1', 'one'));
      await store.putRetained(message('r/2', 'two', { expiresAt: 99999, properties: { userProperties: { k: ['v', 'w'] } } }));
      await store.putRetained(message('r/1', 'uno'));
      await store.deleteRetained('missing');
      let all = await store.loadRetained();
      expect(all.map((m) => [m.topic, m.payload.toString()]).sort()).toEqual([['r/1', 'uno'], ['r/2', 'two']]);
      const two = all.find((m) => m.topic === 'r/2');
      expect(two?.expiresAt).toBe(99999);
      expect(two?.properties?.userProperties).toEqual({ k: ['v', 'w'] });
      await store.deleteRetained('r/1');
      all = await store.loadRetained();
      expect(all.map((m) => m.topic)).toEqual(['r/2']);
    });
  });
}
