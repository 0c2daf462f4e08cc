// The conformance suite every Store implementation runs: call it from a test file with a factory
// (memory-store.test.ts; redis-store.test.ts against a real redis-server and a Redis Cluster).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createMessage } from '../../broker/routing/message.js';
import type { Message } from '../../broker/routing/message.js';
import { waitFor } from './wait.js';
import type { BatchOutcome, SessionOp, SessionRecord, SessionState, Store, StoredDelivery, StoredInflight } from '../../broker/store/store.js';

function message(topic: string, payload = 'x', extra: Partial<Message> = {}): Message {
  return createMessage({
    topic, payload: Buffer.from(payload), qos: 1, retain: false, originClientId: 'pub', originNode: 'n1', receivedAt: 1000,
    ...extra,
  });
}

function record(clientId: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return { clientId, username: 'u', protocolVersion: 5, expiryInterval: 3600, disconnectedAt: undefined, node: 'n1', will: undefined, ...extra };
}

function delivery(m: Message, extra: Partial<StoredDelivery> = {}): StoredDelivery {
  return { message: m, qos: 1, retain: false, subscriptionIds: [7], shareGroup: undefined, ...extra };
}

function inflight(m: Message, packetId: number, state: 'publish' | 'pubrel' = 'publish'): StoredInflight {
  return { ...delivery(m), packetId, state };
}

const payloads = (ds: readonly StoredDelivery[] | undefined): string[] => (ds ?? []).map((d) => d.message.payload.toString());
interface Harness {
  store: Store;
  /** Takes `clientId` for node `owner` and returns the fence. */
  take(clientId: string, owner?: string, extra?: Partial<SessionRecord>): Promise<number>;
  write(clientId: string, fence: number, ...ops: SessionOp[]): Promise<BatchOutcome>;
  state(clientId: string): Promise<SessionState | undefined>;
}

/** A fresh store per case (closed after it) and the helpers the cases share. */
function harness(createStore: () => Promise<Store> | Store): Harness {
  /** Batches written per session under its current fence, as the journal numbers them (from 1, no gaps). */
  const seqs = new Map<string, { fence: number; seq: number }>();
  const h: Harness = {
    store: undefined as unknown as Store,
    async take(clientId, owner = 'n1', extra = {}) {
      const r = await h.store.acquire({ clientId, owner, mode: { kind: 'load' }, record: record(clientId, { node: owner, ...extra }), expiresAt: 0 });
      if (!r.acquired) throw new Error('not acquired');
      return r.fence;
    },
    async write(clientId, fence, ...ops) {
      const last = seqs.get(clientId);
      const seq = last !== undefined && last.fence === fence ? last.seq + 1 : 1;
      seqs.set(clientId, { fence, seq });
      return await h.store.commit({ sessions: [{ clientId, fence, seq, ops }], discards: [], retained: [], index: [] });
    },
    async state(clientId) {
      return (await h.store.loadSession(clientId))?.state;
    },
  };
  beforeEach(async () => { seqs.clear(); h.store = await createStore(); });
  afterEach(async () => { await h.store.close(); });
  return h;
}

function sessionWriteCases(h: Harness): void {
  it('takes a new session, stores its record and owner, and loads nothing the first time', async () => {
    const will = { message: message('will/t', 'bye', { properties: { contentType: 'text/plain', correlationData: Buffer.from([1, 2]) } }), delayInterval: 5, expiryInterval: 60 };
    const r = await h.store.acquire({ clientId: 'c1', owner: 'n1', mode: { kind: 'load' }, record: record('c1', { will }), expiresAt: 0 });
    expect(r).toMatchObject({ acquired: true, previousOwner: undefined, state: undefined });
    const loaded = await h.store.loadSession('c1');
    expect(loaded?.owner).toBe('n1');
    expect(loaded?.fence).toBe(r.acquired ? r.fence : -1);
    expect(loaded?.state.record.will?.message.payload.toString()).toBe('bye');
    expect(loaded?.state.record.will?.message.properties).toEqual({ contentType: 'text/plain', correlationData: Buffer.from([1, 2]) });
    expect([loaded?.state.record.will?.delayInterval, loaded?.state.record.will?.expiryInterval]).toEqual([5, 60]);
    expect(await h.store.loadSession('nobody')).toBeUndefined();
  });

  it('applies a batch of writes in order: subscriptions, queue, inflight both ways, record', async () => {
    const f = await h.take('c1');
    const base = { qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const, subscriptionId: undefined };
    await h.write('c1', f,
      { k: 'sub', sub: { filter: 'a/+', ...base } },
      { k: 'sub', sub: { filter: '$share/g/b/#', ...base, subscriptionId: 3, noLocal: true, retainHandling: 2 } },
      { k: 'sub', sub: { filter: 'a/+', ...base, qos: 2 } },
      { k: 'unsub', filter: 'missing' },
      ...['m0', 'm1', 'm2', 'm3', 'm4'].map((p): SessionOp => ({ k: 'push', delivery: delivery(message('t', p), p === 'm2' ? { shareGroup: 'g', retain: true, qos: 2, subscriptionIds: undefined } : {}) })),
      { k: 'shift', count: 2 },
      { k: 'inflight', entry: inflight(message('t', 'a', { expiresAt: 99999, properties: { userProperties: { k: ['v', 'w'] } } }), 1) },
      { k: 'inflight', entry: inflight(message('t', 'b'), 2) },
      { k: 'inflight', entry: inflight(message('t', 'a'), 1, 'pubrel') },
      { k: 'inflightDel', packetId: 2 },
      { k: 'incoming', packetId: 10 }, { k: 'incoming', packetId: 11 }, { k: 'incomingDel', packetId: 10 },
      { k: 'record', record: record('c1', { disconnectedAt: 5000, username: undefined, protocolVersion: 4 }), expiresAt: 0 },
    );
    let s = await h.state('c1');
    expect(s?.subscriptions.map((x) => [x.filter, x.qos, x.subscriptionId, x.noLocal, x.retainHandling]).sort()).toEqual([['$share/g/b/#', 1, 3, true, 2], ['a/+', 2, undefined, false, 0]]);
    expect(payloads(s?.queue)).toEqual(['m2', 'm3', 'm4']);
    expect(s?.queue[0]).toMatchObject({ shareGroup: 'g', retain: true, qos: 2, subscriptionIds: undefined });
    expect(s?.queue[1]?.subscriptionIds).toEqual([7]);
    expect(s?.inflight.map((e) => [e.packetId, e.state, e.message.payload.toString()])).toEqual([[1, 'pubrel', 'a']]);
    expect(s?.incomingQos2).toEqual([11]);
    expect([s?.record.disconnectedAt, s?.record.username, s?.record.protocolVersion]).toEqual([5000, undefined, 4]);
    await h.write('c1', f, { k: 'clearQueue' }, { k: 'unsub', filter: 'a/+' });
    s = await h.state('c1');
    expect(s?.queue).toEqual([]);
    expect(s?.subscriptions.map((x) => x.filter)).toEqual(['$share/g/b/#']);
  });

  it('keeps a stored message exactly: payload bytes, properties, expiry, origin', async () => {
    const f = await h.take('c1');
    const m = message('x/y', '', { payload: Buffer.from([0, 255, 10, 13]), qos: 2, retain: true, expiresAt: 1234567, receivedAt: 42, originClientId: 'sender', originNode: 'node-b',
      properties: { payloadFormatIndicator: false, responseTopic: 'r/t', correlationData: Buffer.from('id'), userProperties: { a: 'b' } } });
    await h.write('c1', f, { k: 'push', delivery: delivery(m) });
    expect((await h.state('c1'))?.queue[0]?.message).toEqual(m);
  });

  it('refuses writes under a fence that is no longer the session\'s, and never reuses a fence', async () => {
    const f1 = await h.take('c1', 'n1');
    await h.write('c1', f1, { k: 'push', delivery: delivery(message('t', 'before')) });
    const r2 = await h.store.acquire({ clientId: 'c1', owner: 'n2', mode: { kind: 'load' }, record: record('c1', { node: 'n2' }), expiresAt: 0 });
    if (!r2.acquired) throw new Error('not acquired');
    expect(r2.fence).toBeGreaterThan(f1);
    expect(r2.previousOwner).toBe('n1');
    expect(payloads(r2.state?.queue)).toEqual(['before']);
    const stale = await h.write('c1', f1, { k: 'push', delivery: delivery(message('t', 'stale')) });
    expect(stale.fenced).toEqual(['c1']);
    const fresh = await h.write('c1', r2.fence, { k: 'push', delivery: delivery(message('t', 'fresh')) });
    expect(fresh.fenced).toEqual([]);
    expect(payloads((await h.state('c1'))?.queue)).toEqual(['before', 'fresh']);
    // Deleted and taken again: the new fence is still above every earlier one.
    await h.write('c1', r2.fence, { k: 'delete' });
    expect(await h.store.loadSession('c1')).toBeUndefined();
    expect(await h.take('c1', 'n3')).toBeGreaterThan(r2.fence);
  });

  it('applies a batch sent twice once (same seq)', async () => {
    const f = await h.take('c1');
    const batch = { sessions: [{ clientId: 'c1', fence: f, seq: 1, ops: [{ k: 'push', delivery: delivery(message('t', 'once')) } as const] }], discards: [], retained: [], index: [] };
    await h.store.commit(batch);
    await h.store.commit(batch);
    expect(payloads((await h.state('c1'))?.queue)).toEqual(['once']);
  });
}

function acquireCases(h: Harness): void {
  it('expect: replaces the state while the caller still holds the fence, else returns the stored one', async () => {
    const f = await h.take('c1');
    await h.write('c1', f, { k: 'push', delivery: delivery(message('t', 'stored')) });
    const replaceWith: SessionState = { record: record('c1'), subscriptions: [], queue: [delivery(message('t', 'snapshot'))], inflight: [inflight(message('t', 'i'), 9)], incomingQos2: [4] };
    const ok = await h.store.acquire({ clientId: 'c1', owner: 'n2', mode: { kind: 'expect', fence: f, replaceWith }, record: record('c1', { node: 'n2' }), expiresAt: 0 });
    expect(ok).toMatchObject({ acquired: true, state: undefined, previousOwner: 'n1' });
    let s = await h.state('c1');
    expect(payloads(s?.queue)).toEqual(['snapshot']);
    expect([s?.inflight[0]?.packetId, s?.incomingQos2]).toEqual([9, [4]]);
    const stale = await h.store.acquire({ clientId: 'c1', owner: 'n3', mode: { kind: 'expect', fence: f, replaceWith: { ...replaceWith, queue: [] } }, record: record('c1', { node: 'n3' }), expiresAt: 0 });
    expect(payloads(stale.acquired ? stale.state?.queue : undefined)).toEqual(['snapshot']);
    s = await h.state('c1');
    expect(payloads(s?.queue)).toEqual(['snapshot']);
    expect((await h.store.loadSession('c1'))?.owner).toBe('n3');
  });

  it('expect with the current fence and no new state keeps the fence: writes queued under it stay valid', async () => {
    const f = await h.take('c1');
    await h.write('c1', f, { k: 'push', delivery: delivery(message('t', 'one')) });
    const again = await h.store.acquire({ clientId: 'c1', owner: 'n1', mode: { kind: 'expect', fence: f, replaceWith: undefined }, record: record('c1', { username: 'v' }), expiresAt: 0 });
    expect(again).toMatchObject({ acquired: true, fence: f, state: undefined });
    expect((await h.write('c1', f, { k: 'push', delivery: delivery(message('t', 'two')) })).fenced).toEqual([]);
    const s = await h.state('c1');
    expect([payloads(s?.queue), s?.record.username]).toEqual([['one', 'two'], 'v']);
  });

  it('clean drops everything but the new record; adopt takes only from the named node', async () => {
    const f = await h.take('c1');
    await h.write('c1', f, { k: 'push', delivery: delivery(message('t')) }, { k: 'incoming', packetId: 3 });
    const clean = await h.store.acquire({ clientId: 'c1', owner: 'n2', mode: { kind: 'clean' }, record: record('c1', { node: 'n2', expiryInterval: 0 }), expiresAt: 0 });
    expect(clean).toMatchObject({ acquired: true, state: undefined, previousOwner: 'n1' });
    expect(await h.state('c1')).toMatchObject({ queue: [], incomingQos2: [], record: { expiryInterval: 0 } });
    expect(await h.store.acquire({ clientId: 'c1', owner: 'n3', mode: { kind: 'adopt', fromNode: 'n1' }, record: undefined, expiresAt: 0 })).toEqual({ acquired: false });
    const adopted = await h.store.acquire({ clientId: 'c1', owner: 'n3', mode: { kind: 'adopt', fromNode: 'n2' }, record: undefined, expiresAt: 0 });
    expect(adopted.acquired && adopted.state?.record.expiryInterval).toBe(0);
    expect((await h.store.loadSession('c1'))?.owner).toBe('n3');
    expect(await h.store.acquire({ clientId: 'none', owner: 'n3', mode: { kind: 'adopt', fromNode: 'n2' }, record: undefined, expiresAt: 0 })).toEqual({ acquired: false });
    // Owners are name#incarnation: a node adopts what any earlier life of a name held, never from itself.
    await h.take('lives', 'n4#old');
    expect(await h.store.acquire({ clientId: 'lives', owner: 'n4#old', mode: { kind: 'adopt', fromNode: 'n4' }, record: undefined, expiresAt: 0 })).toEqual({ acquired: false });
    expect(await h.store.acquire({ clientId: 'lives', owner: 'n40#x', mode: { kind: 'adopt', fromNode: 'n40' }, record: undefined, expiresAt: 0 })).toEqual({ acquired: false });
    expect((await h.store.acquire({ clientId: 'lives', owner: 'n4#new', mode: { kind: 'adopt', fromNode: 'n4' }, record: undefined, expiresAt: 0 })).acquired).toBe(true);
  });

  it('discards a session acquired before the bound, not one acquired after', async () => {
    await h.take('old');
    const bound = Date.now() * 1000 + 5_000_000;
    await h.store.commit({ sessions: [], discards: [{ clientId: 'old', before: bound }], retained: [], index: [] });
    expect(await h.store.loadSession('old')).toBeUndefined();
    await h.take('young');
    await h.store.commit({ sessions: [], discards: [{ clientId: 'young', before: 1 }], retained: [], index: [] });
    expect(await h.store.loadSession('young')).toBeDefined();
  });

  it('lets a disconnected session expire in the store, and expires queued messages', async () => {
    const f = await h.take('gone');
    const now = Date.now();
    await h.write('gone', f, { k: 'push', delivery: delivery(message('t', 'x')) }, { k: 'record', record: record('gone', { disconnectedAt: now, expiryInterval: 1 }), expiresAt: now + 400 });
    expect(await h.store.loadSession('gone')).toBeDefined();
    await waitFor(async () => (await h.store.loadSession('gone')) === undefined, { timeoutMs: 5000, what: 'the session to expire in the store' });
    const g = await h.take('q');
    await h.write('q', g, ...['keep', 'drop', 'keep2'].map((p): SessionOp => ({ k: 'push', delivery: delivery(message('t', p, { expiresAt: p === 'drop' ? now - 1 : p === 'keep' ? 0 : now + 60000 })) })), { k: 'expireQueue', now });
    expect(payloads((await h.state('q'))?.queue)).toEqual(['keep', 'keep2']);
  });
}

function retainedAndNodeCases(h: Harness): void {
  it('returns inflight messages in send order across packet id wrap-around', async () => {
    const f = await h.take('c1');
    await h.write('c1', f, ...[65534, 65535, 1, 2].map((id): SessionOp => ({ k: 'inflight', entry: inflight(message('t', String(id)), id) })));
    expect((await h.state('c1'))?.inflight.map((e) => e.packetId)).toEqual([65534, 65535, 1, 2]);
  });

  it('stores, replaces and deletes retained messages, and matches filters through the index', async () => {
    const now = Date.now();
    const put = (m: Message) => ({ topic: m.topic, message: m });
    await h.store.commit({ sessions: [], discards: [], index: [], retained: [
      put(message('r/1', 'one')), put(message('r/2', 'two', { expiresAt: now + 60000, properties: { userProperties: { k: ['v', 'w'] } } })),
      put(message('r/1', 'uno')), put(message('r/a/deep', 'deep')), put(message('r', 'parent')), put(message('$SYS/x', 'sys')), put(message('/lead', 'lead')),
      put(message('old', 'old', { expiresAt: now - 1 })), { topic: 'missing', message: undefined },
    ] });
    const topics = async (filter: string) => (await h.store.matchRetained(filter, now)).map((m) => m.topic).sort();
    expect(await topics('r/+')).toEqual(['r/1', 'r/2']);
    expect(await topics('r/#')).toEqual(['r', 'r/1', 'r/2', 'r/a/deep']);
    expect(await topics('#')).toEqual(['/lead', 'r', 'r/1', 'r/2', 'r/a/deep']);
    expect(await topics('+/+')).toEqual(['/lead', 'r/1', 'r/2']);
    expect(await topics('$SYS/#')).toEqual(['$SYS/x']);
    expect(await topics('r/1')).toEqual(['r/1']);
    expect((await h.store.matchRetained('r/1', now))[0]?.payload.toString()).toBe('uno');
    expect((await h.store.matchRetained('r/2', now))[0]?.properties?.userProperties).toEqual({ k: ['v', 'w'] });
    await h.store.commit({ sessions: [], discards: [], index: [], retained: [{ topic: 'r/a/deep', message: undefined }, { topic: 'r/1', message: undefined }] });
    expect(await topics('r/#')).toEqual(['r', 'r/2']);
    expect(await h.store.expireRetained(now, 100)).toBe(1);
    const loaded: string[] = [];
    await h.store.loadRetained((ms) => loaded.push(...ms.map((m) => m.topic)));
    expect(loaded.sort()).toEqual(['$SYS/x', '/lead', 'r', 'r/2']);
    expect(await h.store.expireRetained(now + 120000, 100)).toBe(1);
    expect(await topics('r/#')).toEqual(['r']);
  });

  it('keeps node leases, one adoption lock per dead node, and each node\'s session index', async () => {
    await h.store.nodes.renewLease('n1', 'i1', 60000);
    await h.store.nodes.renewLease('n2', 'i2', 300);
    expect((await h.store.nodes.listNodes()).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'n1', incarnation: 'i1', alive: true }, { name: 'n2', incarnation: 'i2', alive: true }]);
    await waitFor(async () => (await h.store.nodes.listNodes()).find((n) => n.name === 'n2')?.alive === false, { timeoutMs: 5000, what: 'the lease of n2 to lapse' });
    await h.store.nodes.dropLease('n1', 'other-life');
    expect((await h.store.nodes.listNodes()).find((n) => n.name === 'n1')?.alive).toBe(true);
    await h.store.nodes.dropLease('n1', 'i1');
    expect((await h.store.nodes.listNodes()).find((n) => n.name === 'n1')?.alive).toBe(false);
    expect(await h.store.nodes.lockAdoption('n2', 'n1', 60000)).toBe(true);
    expect(await h.store.nodes.lockAdoption('n2', 'n3', 60000)).toBe(false);
    await h.store.nodes.unlockAdoption('n2', 'n3');
    expect(await h.store.nodes.lockAdoption('n2', 'n3', 60000)).toBe(false);
    await h.store.nodes.unlockAdoption('n2', 'n1');
    expect(await h.store.nodes.lockAdoption('n2', 'n3', 60000)).toBe(true);
    await h.store.commit({ sessions: [], discards: [], retained: [], index: [{ owner: 'n2', clientId: 'a', add: true }, { owner: 'n2', clientId: 'b', add: true }, { owner: 'n2', clientId: 'a', add: false }] });
    expect(await h.store.nodes.sessionsOf('n2')).toEqual(['b']);
    await h.store.nodes.forgetNode('n2');
    expect((await h.store.nodes.listNodes()).map((n) => n.name)).toContain('n2');
    await h.store.commit({ sessions: [], discards: [], retained: [], index: [{ owner: 'n2', clientId: 'b', add: false }] });
    await h.store.nodes.forgetNode('n2');
    expect((await h.store.nodes.listNodes()).map((n) => n.name)).toEqual(['n1']);
  });
}

export function runStoreContract(name: string, createStore: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    const h = harness(createStore);
    describe('writes, fences and batches', () => { sessionWriteCases(h); });
    describe('acquire modes, discards and expiry', () => { acquireCases(h); });
    describe('retained messages and nodes', () => { retainedAndNodeCases(h); });
  });
}
