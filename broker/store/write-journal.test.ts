// The write journal against a real Redis: a turn's writes go as one batch (one script call per
// session, whatever the number of writes), an ack waits for it, a failed batch is refused and its
// sessions are rewritten whole once Redis is back, a fenced session is reported; with the memory
// store nothing is written and nothing waits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../contract/logger.js';
import { createMessage } from '../routing/message.js';
import { itRequiring } from '../../test/support/requirements.js';
import { hasRedisServer, RedisServer } from '../../test/support/redis-server.js';
import { waitFor } from '../../test/support/wait.js';
import { createMemoryStore } from './memory-store.js';
import { connectRedis, createRedisConnection } from './redis/redis-client.js';
import { createRedisStore, type RedisStore } from './redis/redis-store.js';
import type { SessionState, SessionWrites, StoredDelivery } from './store.js';
import { StoreError } from './store.js';
import { WriteJournal, type JournalSubject } from './write-journal.js';

let redis: RedisServer | undefined;
beforeAll(async () => { if (hasRedisServer().ok) redis = await RedisServer.start(); }, 30_000);
afterAll(async () => { await redis?.stop(); });

const delivery = (p: string): StoredDelivery => ({
  message: createMessage({ topic: 't', payload: Buffer.from(p), qos: 1, retain: false, originClientId: 'p', originNode: 'n', receivedAt: 1 }),
  qos: 1, retain: false, subscriptionIds: undefined, shareGroup: undefined,
});

async function redisStore(): Promise<RedisStore> {
  const config = configSchema.parse({ store: { type: 'redis', redisUrl: redis!.url, keyPrefix: `j${randomBytes(4).toString('hex')}`, commandTimeoutMs: 300 } }).store;
  const connection = createRedisConnection(config);
  await connectRedis(connection, 5000);
  return createRedisStore({ connection, keyPrefix: config.keyPrefix, minReplicas: 0, replicaTimeoutMs: 100 });
}

/** A session as the journal sees it, taken in the store, with what memory holds of it. */
async function subjectIn(store: RedisStore, clientId: string): Promise<JournalSubject & { queue: StoredDelivery[] }> {
  const record = { clientId, username: undefined, protocolVersion: 5 as const, expiryInterval: 60, disconnectedAt: undefined, node: 'n1', will: undefined };
  const r = await store.acquire({ clientId, owner: 'n1#i', mode: { kind: 'load' }, record, expiresAt: 0 });
  if (!r.acquired) throw new Error('not acquired');
  return { clientId, fence: r.fence, writeSeq: 0, journalSlot: undefined, queue: [] };
}

function journalOn(store: RedisStore | ReturnType<typeof createMemoryStore>, subjects: Map<string, JournalSubject & { queue: StoredDelivery[] }>, fenced: JournalSubject[] = [], maxInFlight = 1, maxPendingWrites?: number) {
  const batches: string[] = [];
  const journal = new WriteJournal({
    store, logger: silentLogger, now: Date.now, maxInFlight,
    hooks: {
      stateOf: (s) => {
        const held = subjects.get(s.clientId);
        if (held !== s || held === undefined) return undefined;
        const state: SessionState = { record: { clientId: s.clientId, username: undefined, protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined, node: 'n1', will: undefined }, subscriptions: [], queue: [...held.queue], inflight: [], incomingQos2: [] };
        return { state, expiresAt: 0, owner: 'n1' };
      },
      retainedOf: () => undefined,
      fenced: (s) => { fenced.push(s); },
    },
    metrics: { batch: (result) => { batches.push(result); }, fenced: () => undefined, availability: () => undefined, failure: () => undefined },
    ...(maxPendingWrites === undefined ? {} : { maxPendingWrites }),
  });
  return { journal, batches };
}

async function evalCalls(): Promise<number> {
  const stats = String(await redis!.admin().info('commandstats'));
  let n = 0;
  for (const m of stats.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) n += Number(m[1]);
  return n;
}

describe('WriteJournal', () => {
  it('is a no-op with the memory store: nothing waits', () => {
    const { journal, batches } = journalOn(createMemoryStore(), new Map());
    const s = { clientId: 'c', fence: 1, writeSeq: 0, journalSlot: undefined };
    const mark = journal.mark();
    journal.push(s, delivery('x'));
    expect(journal.since(mark)).toBeUndefined();
    expect(batches).toEqual([]);
  });

  itRequiring(hasRedisServer())('sends one turn\'s writes as one batch of one script call per session', async () => {
    const store = await redisStore();
    try {
      const subjects = new Map<string, JournalSubject & { queue: StoredDelivery[] }>();
      for (const id of ['a', 'b', 'c']) subjects.set(id, await subjectIn(store, id));
      const { journal, batches } = journalOn(store, subjects);
      const before = await evalCalls();
      const mark = journal.mark();
      for (let i = 0; i < 300; i++) for (const s of subjects.values()) journal.push(s, delivery(`m${i}`));
      const stored = journal.since(mark);
      expect(stored).toBeDefined();
      await stored;
      expect(batches).toEqual(['ok']);
      expect(await evalCalls() - before).toBe(3);
      expect((await store.loadSession('b'))?.state.queue).toHaveLength(300);
      // A batch far larger than the encoder's first buffer (64 KiB) comes out whole.
      const big = Buffer.alloc(2000, 0x62).toString();
      const mark2 = journal.mark();
      for (let i = 0; i < 200; i++) journal.push(subjects.get('c')!, delivery(`${i}:${big}`));
      await journal.since(mark2);
      const queue = (await store.loadSession('c'))?.state.queue ?? [];
      expect(queue).toHaveLength(500);
      expect(queue[499]?.message.payload.toString()).toBe(`199:${big}`);
      await journal.close();
    } finally {
      await store.close();
    }
  });

  itRequiring(hasRedisServer())('refuses what it could not store and rewrites the session whole once Redis is back', async () => {
    const store = await redisStore();
    try {
      const s = await subjectIn(store, 'dirty');
      const subjects = new Map([['dirty', s]]);
      const { journal } = journalOn(store, subjects);
      s.queue.push(delivery('one'));
      let mark = journal.mark();
      journal.push(s, delivery('one'));
      await journal.since(mark);
      redis!.pause();
      try {
        s.queue.push(delivery('two'));
        mark = journal.mark();
        journal.push(s, delivery('two'));
        await expect(journal.since(mark)).rejects.toThrow();
        expect([journal.up, journal.dirtySessions]).toEqual([false, 1]);
        // Known down: refused at once, without waiting for a timeout.
        s.queue.push(delivery('three'));
        mark = journal.mark();
        journal.push(s, delivery('three'));
        await expect(journal.since(mark)).rejects.toBeInstanceOf(StoreError);
      } finally {
        redis!.resume();
      }
      await waitFor(() => journal.up && journal.dirtySessions === 0, { what: 'recovery and the rewrite', timeoutMs: 10_000 });
      const stored = await store.loadSession('dirty');
      expect(stored?.state.queue.map((d) => d.message.payload.toString())).toEqual(['one', 'two', 'three']);
      await journal.close();
    } finally {
      await store.close();
    }
  }, 30_000);

  itRequiring(hasRedisServer())('holds at most maxPendingWrites while Redis hangs: beyond it the open batch is refused (backlog), and rewritten later', async () => {
    const store = await redisStore();
    try {
      const s = await subjectIn(store, 'backlog');
      const { journal, batches } = journalOn(store, new Map([['backlog', s]]), [], 1, 100);
      redis!.pause();
      try {
        s.queue.push(delivery('first'));
        journal.push(s, delivery('first'));
        await new Promise((r) => setImmediate(r)); // the first batch is in flight, unanswered
        const mark = journal.mark();
        for (let i = 0; i < 250; i++) {
          s.queue.push(delivery(`m${i}`));
          journal.push(s, delivery(`m${i}`));
          expect(journal.pendingWrites).toBeLessThanOrEqual(1 + 100);
        }
        // A publish whose writes straddle a refusal is refused, with the cause a publisher is told.
        await expect(journal.since(mark)).rejects.toMatchObject({ failureCause: 'backlog' });
        expect(batches.filter((b) => b === 'refused')).toHaveLength(2);
        expect(journal.dirtySessions).toBe(1);
      } finally {
        redis!.resume();
      }
      await waitFor(() => journal.up && journal.dirtySessions === 0 && journal.pendingWrites === 0, { what: 'the refused writes rewritten', timeoutMs: 10_000 });
      const stored = await store.loadSession('backlog');
      expect(stored?.state.queue.map((d) => d.message.payload.toString())).toEqual(s.queue.map((d) => d.message.payload.toString()));
      await journal.close();
    } finally {
      await store.close();
    }
  }, 30_000);

  itRequiring(hasRedisServer())('keeps two batches in flight and the store in step with memory', async () => {
    const store = await redisStore();
    try {
      const s = await subjectIn(store, 'overlap');
      const { journal, batches } = journalOn(store, new Map([['overlap', s]]), [], 2);
      const payloads = (q: StoredDelivery[] | undefined): string[] => (q ?? []).map((d) => d.message.payload.toString());
      const waits: Array<Promise<void> | undefined> = [];
      // Turn after turn: pushes, and shifts of what earlier (possibly still unanswered) batches stored.
      for (let turn = 0; turn < 20; turn++) {
        const mark = journal.mark();
        for (let i = 0; i < 50; i++) {
          const d = delivery(`${turn}:${i}`);
          s.queue.push(d);
          journal.push(s, d);
        }
        const before = s.queue.length;
        s.queue.splice(0, 30);
        journal.shift(s, 30, before);
        waits.push(journal.since(mark));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await Promise.all(waits);
      await journal.settled();
      expect(batches.every((b) => b === 'ok')).toBe(true);
      // Overlap happened: fewer batches than turns would mean one batch at a time gathered them.
      expect(batches.length).toBeGreaterThan(1);
      expect(payloads((await store.loadSession('overlap'))?.state.queue)).toEqual(payloads(s.queue));
      await journal.close();
    } finally {
      await store.close();
    }
  });

  itRequiring(hasRedisServer())('refuses a batch whose predecessor did not apply, and takes the whole rewrite after it', async () => {
    const store = await redisStore();
    try {
      const s = await subjectIn(store, 'gap');
      const state = (queue: StoredDelivery[]): SessionState => ({ record: { clientId: 'gap', username: undefined, protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined, node: 'n1', will: undefined }, subscriptions: [], queue, inflight: [], incomingQos2: [] });
      const batch = (seq: number, ops: SessionWrites['ops']) => ({ sessions: [{ clientId: 'gap', fence: s.fence, seq, ops }], discards: [], retained: [], index: [] });
      expect((await store.commit(batch(1, [{ k: 'push', delivery: delivery('a') }]))).error).toBeUndefined();
      // Batch 2 never arrived (it failed): batch 3's changes would apply to a queue they do not describe.
      const refused = await store.commit(batch(3, [{ k: 'shift', count: 2 }, { k: 'push', delivery: delivery('c') }]));
      expect([refused.failedSessions, refused.error]).toEqual([['gap'], expect.any(StoreError)]);
      expect((await store.loadSession('gap'))?.state.queue.map((d) => d.message.payload.toString())).toEqual(['a']);
      // The journal rewrites a failed session whole: that is taken whatever came before.
      const rewrite = await store.commit(batch(4, [{ k: 'replace', state: state([delivery('b'), delivery('c')]), expiresAt: 0 }]));
      expect(rewrite.error).toBeUndefined();
      expect((await store.commit(batch(5, [{ k: 'shift', count: 1 }]))).error).toBeUndefined();
      expect((await store.loadSession('gap'))?.state.queue.map((d) => d.message.payload.toString())).toEqual(['c']);
    } finally {
      await store.close();
    }
  });

  itRequiring(hasRedisServer())('reports a session another owner took, and refuses the acks of that batch', async () => {
    const store = await redisStore();
    try {
      const s = await subjectIn(store, 'taken');
      const fenced: JournalSubject[] = [];
      const { journal } = journalOn(store, new Map([['taken', s]]), fenced);
      await store.acquire({ clientId: 'taken', owner: 'n2#j', mode: { kind: 'load' }, record: undefined, expiresAt: 0 });
      const outcomes: string[] = [];
      const mark = journal.mark();
      journal.push(s, delivery('late'));
      journal.onWritten(s, (o) => outcomes.push(o));
      await expect(journal.since(mark)).rejects.toThrow(/another node owns them/);
      expect([fenced, outcomes]).toEqual([[s], ['fenced']]);
      expect((await store.loadSession('taken'))?.state.queue).toEqual([]);
      await journal.close();
    } finally {
      await store.close();
    }
  });
});
