// The Redis Store: a batch becomes one script call per session (atomic, fenced) plus the retained
// and index writes, all issued in one turn so ioredis sends them as one pipeline per Redis node,
// followed by WAIT when writes must reach replicas before they count.
import type { Message } from '../../routing/message.js';
import { encodeMessage, encodeRecord } from '../store-codec.js';
import { StoreError } from '../store.js';
import type { AcquireRequest, AcquireResult, BatchOutcome, NodeRegistry, SessionState, Store, StoreBatch } from '../store.js';
import { decodeState, encodeFill, encodeWrites, type Arg } from './redis-args.js';
import { Cluster, type Redis } from 'ioredis';
import type { StoreFailureCause } from '../store-failure.js';
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
/** The probe key outlives a probe interval and then goes (store-availability.ts probes every 2 s at most). */
const PROBE_TTL_MS = 60_000;
/** After an OOM the store counts as available again below this share of maxmemory (hysteresis). */
const ROOM_AFTER_OOM = 0.9;

/** The memory Redis counts against maxmemory (used_memory less what eviction ignores), and maxmemory. */
export function parseMemoryInfo(info: string): { used: number; max: number } {
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory') - field('mem_not_counted_for_evict'), max: field('maxmemory') };
}
/** The session's batch before this one did not apply (failed, or arrived later): this one is refused too. */
const OUT_OF_ORDER = 3;

/** One write of a batch, made on the client (Cluster) or on a pipeline (single Redis, Sentinel). */
type Call = (target: ScriptedRedis) => unknown;

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
    const { retainedMessages: m, retainedExpiry: x, retainedChildrenPrefix: c } = this.keys;
    // Every write of the batch, in order: sessions, retained, then discards and index writes.
    const calls: Call[] = [];
    for (const w of batch.sessions) {
      const args: Arg[] = sessionKeyList(this.keys.session(w.clientId));
      try {
        encodeWrites(w, args);
        calls.push((t) => t.mqApply(...args));
      } catch (err) {
        calls.push(() => { throw err; });
      }
    }
    for (const w of batch.retained) {
      calls.push(w.message === undefined
        ? (t) => t.mqRetainDelete(m, x, c, w.topic)
        : (t) => t.mqRetainPut(m, x, c, w.topic, encodeMessage(w.message!), String(w.message!.expiresAt)));
    }
    for (const d of batch.discards) calls.push((t) => t.mqDiscard(...sessionKeyList(this.keys.session(d.clientId)), String(d.before)));
    for (const i of batch.index) calls.push((t) => (i.add ? t.sadd(this.keys.sessionIndex(i.owner), i.clientId) : t.srem(this.keys.sessionIndex(i.owner), i.clientId)));
    if (this.#options.minReplicas > 0) calls.push((t) => t.wait(this.#options.minReplicas, this.#options.replicaTimeoutMs));
    const results = await this.#send(calls);
    const fenced: string[] = [];
    const failedSessions: string[] = [];
    const failedRetained: string[] = [];
    let error: Error | undefined;
    const nSessions = batch.sessions.length;
    const nRetained = batch.retained.length;
    results.forEach((r, i) => {
      if (i < nSessions) {
        const id = batch.sessions[i]!.clientId;
        if (r.error !== undefined) { failedSessions.push(id); error ??= r.error; } else if (r.value === FENCED) fenced.push(id);
        else if (r.value === OUT_OF_ORDER) { failedSessions.push(id); error ??= new StoreError(`a write of session ${id} came before the one it builds on was stored`); }
      } else if (i < nSessions + nRetained) {
        if (r.error !== undefined) { failedRetained.push(batch.retained[i - nSessions]!.topic); error ??= r.error; }
      } else if (r.error !== undefined) {
        error ??= r.error;
      }
    });
    if (this.#options.minReplicas > 0) {
      const last = results[results.length - 1];
      const got = typeof last?.value === 'number' ? last.value : 0;
      if (last?.error === undefined && got < this.#options.minReplicas) error = new StoreError(`write reached ${got} of the ${this.#options.minReplicas} replicas required (store.minReplicas)`);
      if (last?.error !== undefined || got < this.#options.minReplicas) {
        // Not on enough replicas: a failover could lose it, so none of it counts.
        for (const w of batch.sessions) if (!failedSessions.includes(w.clientId) && !fenced.includes(w.clientId)) failedSessions.push(w.clientId);
        for (const w of batch.retained) if (!failedRetained.includes(w.topic)) failedRetained.push(w.topic);
      }
    }
    return { fenced, failedSessions, failedRetained, error };
  }

  /**
   * Sends the calls in one round trip: an explicit pipeline (one write) on a single Redis or
   * Sentinel; on a Cluster one command each, which ioredis pipelines per node within the turn.
   */
  async #send(calls: readonly Call[]): Promise<Array<{ value?: unknown; error?: Error }>> {
    const r = this.#redis;
    if (this.#connection.client instanceof Cluster) {
      const settled = await Promise.allSettled(calls.map(async (call) => await call(r)));
      return settled.map((s) => (s.status === 'fulfilled' ? { value: s.value } : { error: s.reason as Error }));
    }
    const pipeline = r.pipeline() as unknown as ScriptedRedis;
    const early: Array<Error | undefined> = calls.map((call) => {
      try { call(pipeline); return undefined; } catch (err) { return err as Error; }
    });
    const replies = (await (pipeline as unknown as { exec(): Promise<Array<[Error | null, unknown]> | null> }).exec()) ?? [];
    let k = 0;
    return early.map((e) => {
      if (e !== undefined) return { error: e };
      const [err, value] = replies[k++] ?? [new StoreError('no reply from the store'), undefined];
      return err === null ? { value } : { error: err };
    });
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

  /**
   * Answers only when a write would count: a write, since Redis answers PING while it refuses
   * writes (OOM under noeviction, READONLY); with replicas required, when enough are in sync (WAIT).
   */
  async ping(after?: StoreFailureCause): Promise<void> {
    if (after === 'oom') await this.#checkRoom();
    await this.#redis.set(this.keys.probe, String(this.#now()), 'PX', PROBE_TTL_MS);
    if (this.#options.minReplicas > 0) {
      const missing = await this.#wait();
      if (missing !== undefined) throw missing;
    }
  }

  /**
   * Out of memory, Redis still takes a write that fits in what the failed batch freed or never
   * used: the store is back only once every master is below ROOM_AFTER_OOM of its maxmemory, so a
   * load that goes on does not make it flap between full and available.
   */
  async #checkRoom(): Promise<void> {
    const client = this.#connection.client;
    const masters: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    for (const master of masters) {
      let info: string;
      try {
        info = await master.info('memory');
      } catch (err) {
        // A managed Redis may deny INFO: the probe write alone decides then.
        if (/^(NOPERM|ERR unknown command)/.test((err as Error).message)) return;
        throw err;
      }
      const { used, max } = parseMemoryInfo(info);
      if (max > 0 && used > max * ROOM_AFTER_OOM) {
        throw new StoreError(`OOM Redis still holds ${used} of its maxmemory ${max} bytes (writes resume below ${Math.round(ROOM_AFTER_OOM * 100)} %)`, { failureCause: 'oom' });
      }
    }
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
