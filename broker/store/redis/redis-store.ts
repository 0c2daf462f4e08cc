// The Redis Store: a batch becomes one script call per session (atomic, fenced) plus the retained
// and index writes, all issued in one turn so ioredis sends them as one pipeline per Redis node,
// followed by WAIT when writes must reach replicas before they count.
import type { Message } from '../../routing/message.js';
import { encodeMessage, encodeRecord } from '../store-codec.js';
import { StoreError } from '../store.js';
import type { AcquireRequest, AcquireResult, BatchOutcome, NodeRegistry, SessionState, Store, StoreBatch } from '../store.js';
import { decodeState, encodeFill, encodeWrites, type Arg } from './redis-args.js';
import type { RedisConnection, ScriptedRedis } from './redis-client.js';
import { RedisKeys, type SessionKeys } from './redis-keys.js';
import { RedisNodeRegistry } from './redis-nodes.js';
import { loadRetained, matchRetained } from './redis-retained.js';

export interface RedisStoreOptions {
  readonly connection: RedisConnection;
  readonly keyPrefix: string;
  /** Replicas that must acknowledge each batch (WAIT); 0: the master's answer suffices. */
  readonly minReplicas: number;
  readonly replicaTimeoutMs: number;
  readonly now?: () => number;
}

const FENCED = 0;

function sessionKeyList(k: SessionKeys): string[] {
  return [k.record, k.subscriptions, k.queue, k.inflight, k.incoming];
}

export class RedisStore implements Store {
  readonly durable = true;
  readonly nodes: NodeRegistry;
  readonly keys: RedisKeys;
  readonly #redis: ScriptedRedis;
  readonly #connection: RedisConnection;
  readonly #options: RedisStoreOptions;
  readonly #now: () => number;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#connection = options.connection;
    this.#redis = options.connection.redis;
    this.keys = new RedisKeys(options.keyPrefix);
    this.nodes = new RedisNodeRegistry(this.#redis, this.keys);
    this.#now = options.now ?? Date.now;
  }

  get connection(): RedisConnection { return this.#connection; }

  async commit(batch: StoreBatch): Promise<BatchOutcome> {
    const r = this.#redis;
    const sessionCalls: Array<Promise<number>> = [];
    for (const w of batch.sessions) {
      const args: Arg[] = sessionKeyList(this.keys.session(w.clientId));
      try {
        encodeWrites(w, args);
        sessionCalls.push(r.mqApply(...args));
      } catch (err) {
        sessionCalls.push(Promise.reject(err as Error));
      }
    }
    const other: Array<Promise<unknown>> = [];
    for (const d of batch.discards) other.push(r.mqDiscard(...sessionKeyList(this.keys.session(d.clientId)), String(d.before)));
    const retainedCalls: Array<Promise<number>> = [];
    const { retainedMessages: m, retainedExpiry: x, retainedChildrenPrefix: c } = this.keys;
    for (const w of batch.retained) {
      retainedCalls.push(w.message === undefined ? r.mqRetainDelete(m, x, c, w.topic) : r.mqRetainPut(m, x, c, w.topic, encodeMessage(w.message), String(w.message.expiresAt)));
    }
    for (const i of batch.index) other.push(i.add ? r.sadd(this.keys.sessionIndex(i.owner), i.clientId) : r.srem(this.keys.sessionIndex(i.owner), i.clientId));
    const replicated = this.#options.minReplicas > 0 ? this.#wait() : undefined;
    const [sessions, retained, rest, replicas] = await Promise.all([
      Promise.allSettled(sessionCalls), Promise.allSettled(retainedCalls), Promise.allSettled(other), replicated ?? Promise.resolve(undefined),
    ]);
    const fenced: string[] = [];
    const failedSessions: string[] = [];
    const failedRetained: string[] = [];
    let error: Error | undefined = replicas ?? undefined;
    sessions.forEach((s, i) => {
      const id = batch.sessions[i]!.clientId;
      if (s.status === 'rejected') { failedSessions.push(id); error ??= s.reason as Error; } else if (s.value === FENCED) fenced.push(id);
    });
    retained.forEach((s, i) => { if (s.status === 'rejected') { failedRetained.push(batch.retained[i]!.topic); error ??= s.reason as Error; } });
    for (const s of rest) if (s.status === 'rejected') error ??= s.reason as Error;
    if (replicas !== undefined) {
      // Not on enough replicas: a failover could lose it, so none of it counts.
      for (const w of batch.sessions) if (!failedSessions.includes(w.clientId) && !fenced.includes(w.clientId)) failedSessions.push(w.clientId);
      for (const w of batch.retained) if (!failedRetained.includes(w.topic)) failedRetained.push(w.topic);
    }
    return { fenced, failedSessions, failedRetained, error };
  }

  /** Resolves undefined once `minReplicas` replicas hold everything written on this connection, else the error. */
  async #wait(): Promise<StoreError | undefined> {
    const want = this.#options.minReplicas;
    try {
      const got = await this.#redis.wait(want, this.#options.replicaTimeoutMs);
      return got >= want ? undefined : new StoreError(`write reached ${got} of the ${want} replicas required (store.minReplicas)`);
    } catch (err) {
      return new StoreError(`WAIT for ${want} replicas failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    const { clientId, mode } = request;
    const args: Arg[] = sessionKeyList(this.keys.session(clientId));
    args.push(mode.kind, request.owner, request.record === undefined ? '' : encodeRecord(request.record), mode.kind === 'adopt' ? '' : String(request.expiresAt));
    if (mode.kind === 'expect') {
      args.push(String(mode.fence), mode.replaceWith === undefined ? '0' : '1');
      if (mode.replaceWith !== undefined) encodeFill(mode.replaceWith, args);
    } else {
      args.push(mode.kind === 'adopt' ? mode.fromNode : '', '0');
    }
    const calls: Array<Promise<unknown>> = [this.#redis.mqAcquireBuffer(...args)];
    if (this.#options.minReplicas > 0) calls.push(this.#wait());
    const [reply, replicas] = await Promise.all(calls) as [unknown[], StoreError | undefined];
    if (replicas !== undefined) throw replicas;
    if (reply[0] === 0) return { acquired: false };
    const fence = Number(String(reply[1]));
    const previous = String(reply[2]);
    let state: SessionState | undefined;
    if (reply.length > 3) state = decodeState(clientId, fence, reply.slice(3));
    return { acquired: true, fence, previousOwner: previous === '' ? undefined : previous, state };
  }

  async loadSession(clientId: string): Promise<{ state: SessionState; owner: string; fence: number } | undefined> {
    const k = this.keys.session(clientId);
    const p = this.#redis.pipeline();
    p.hmget(k.record, 'fence', 'owner');
    p.hgetBuffer(k.record, 'rec');
    p.hgetallBuffer(k.subscriptions);
    p.lrangeBuffer(k.queue, 0, -1);
    p.hgetallBuffer(k.inflight);
    p.smembersBuffer(k.incoming);
    const replies = (await p.exec()) ?? [];
    const values = replies.map(([err, v]) => { if (err) throw err; return v; });
    const [head, rec, subs, queue, inflight, incoming] = values as [Array<string | null>, Buffer | null, Record<string, Buffer>, Buffer[], Record<string, Buffer>, Buffer[]];
    if (head[0] === null || rec === null) return undefined;
    const fence = Number(head[0]);
    const flat = (h: Record<string, Buffer>): Buffer[] => Object.entries(h).flatMap(([key, v]) => [Buffer.from(key), v]);
    return { state: decodeState(clientId, fence, [rec, flat(subs), queue, flat(inflight), incoming]), owner: head[1] ?? '', fence };
  }

  async loadRetained(onChunk: (messages: Message[]) => void): Promise<void> {
    await loadRetained(this.#redis, this.keys, this.#now, onChunk);
  }

  async matchRetained(filter: string, now: number): Promise<Message[]> {
    return await matchRetained(this.#redis, this.keys, filter, now);
  }

  async expireRetained(now: number, limit: number): Promise<number> {
    const { retainedMessages: m, retainedExpiry: x, retainedChildrenPrefix: c } = this.keys;
    return await this.#redis.mqRetainExpire(m, x, c, String(now), String(limit));
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    const client = this.#connection.client;
    if (client.status === 'end') return;
    try {
      await client.quit();
    } catch {
      // Already closed or unreachable: nothing is left to flush.
      client.disconnect();
    }
  }
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
