// The ioredis client the Redis store uses, built from the configuration: one Redis (URL), Sentinel
// or Redis Cluster. Set up to fail fast rather than buffer: no offline queue, no resend of commands
// cut by a disconnect, a timeout per command, so a write that cannot be made is refused at once.
import fs from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Config } from '../../config/schema.js';
import { redacted } from '../../config/load-config.js';
import { StoreError } from '../store.js';
import { checkRedisSettings, parseConfigReply } from './redis-settings.js';
import { ACQUIRE_SCRIPT, APPLY_SCRIPT, DELETE_IF_SCRIPT, DISCARD_SCRIPT, RETAIN_DELETE_SCRIPT, RETAIN_EXPIRE_SCRIPT, RETAIN_PUT_SCRIPT } from './redis-scripts.js';

type Arg = string | Buffer | number;

/** The scripted commands (defineCommand) on top of the client's own. */
export interface ScriptCommands {
  mqApply(...args: Arg[]): Promise<number>;
  mqAcquireBuffer(...args: Arg[]): Promise<unknown[]>;
  mqDiscard(...args: Arg[]): Promise<number>;
  mqRetainPut(...args: Arg[]): Promise<number>;
  mqRetainDelete(...args: Arg[]): Promise<number>;
  mqRetainExpire(...args: Arg[]): Promise<number>;
  mqDeleteIf(...args: Arg[]): Promise<number>;
}

/** One Redis or a Cluster behind one command surface (Cluster routes each command by its key's slot). */
export type ScriptedRedis = Redis & ScriptCommands;

export interface RedisConnection {
  readonly redis: ScriptedRedis;
  /** The raw client: a Cluster's masters are reached through it (settings check). */
  readonly client: Redis | Cluster;
  /** What the configuration asked for, for messages: the setting and the address, password masked. */
  readonly target: string;
}

type StoreConfig = Config['store'];

function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(value.slice(i + 1)) };
}

/** Credentials, TLS and database from the URL (the only source of them with Sentinel or Cluster). */
function urlOptions(url: string | undefined, ca: Buffer | undefined): RedisOptions {
  if (url === undefined) return {};
  const u = new URL(url);
  const out: RedisOptions = {};
  if (u.username !== '') out.username = decodeURIComponent(u.username);
  if (u.password !== '') out.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') out.tls = { servername: u.hostname.replace(/^\[|\]$/g, ''), ...(ca === undefined ? {} : { ca }) };
  const db = u.pathname.replace(/^\//, '');
  if (db !== '') out.db = Number(db);
  return out;
}

/** Every connection fails fast; the write journal, not ioredis, decides what to retry. */
function failFast(store: StoreConfig): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: store.commandTimeoutMs,
    connectTimeout: Math.min(store.connectTimeoutMs, 5000),
    // Reconnect with backoff, forever: recovery needs no broker restart.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    // A demoted master answers READONLY: reconnect (Sentinel finds the new one) without resending.
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 1 : false),
  };
}

/**
 * Builds the client (not connected yet: see connectRedis). `onError` hears every connection error
 * (the commands that fail report themselves; the journal logs the store's state once per change).
 */
export function createRedisConnection(store: StoreConfig, onError: (err: Error) => void = () => undefined, readFile: (path: string) => Buffer = (p) => fs.readFileSync(p)): RedisConnection {
  let ca: Buffer | undefined;
  if (store.redisTlsCaFile !== undefined) {
    try { ca = readFile(store.redisTlsCaFile); } catch (err) {
      throw new StoreError(`store.redisTlsCaFile (MESHMQ_REDIS_TLS_CA_FILE)=${store.redisTlsCaFile}: cannot be read (${(err as Error).message})`, { cause: err });
    }
  }
  const base = { ...failFast(store), ...urlOptions(store.redisUrl, ca), ...(store.redisPassword === undefined ? {} : { password: store.redisPassword }) };
  let client: Redis | Cluster;
  let target: string;
  if (store.redisClusterNodes.length > 0) {
    // A batch's writes go to several masters: ioredis pipelines them per node within the turn.
    const options: ClusterOptions = {
      lazyConnect: true, enableOfflineQueue: false, enableAutoPipelining: true, redisOptions: base,
      clusterRetryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
      slotsRefreshTimeout: Math.min(store.connectTimeoutMs, 2000),
    };
    client = new Cluster(store.redisClusterNodes.map(parseHostPort), options);
    target = `Redis Cluster ${store.redisClusterNodes.join(',')} (store.redisClusterNodes, MESHMQ_REDIS_CLUSTER_NODES)`;
  } else if (store.redisSentinels.length > 0) {
    client = new Redis({ ...base, sentinels: store.redisSentinels.map(parseHostPort), name: store.redisSentinelName ?? 'mymaster', sentinelMaxConnections: 4 });
    target = `Redis Sentinel ${store.redisSentinels.join(',')} master ${store.redisSentinelName ?? ''} (store.redisSentinels/redisSentinelName, MESHMQ_REDIS_SENTINELS/MESHMQ_REDIS_SENTINEL_NAME)`;
  } else {
    const url = store.redisUrl ?? 'redis://127.0.0.1:6379';
    const u = new URL(url);
    client = new Redis({ ...base, host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 6379 : Number(u.port) });
    target = `Redis ${redacted(url)} (store.redisUrl, MESHMQ_REDIS_URL)`;
  }
  const scripts: Array<[string, number, string]> = [
    ['mqApply', 5, APPLY_SCRIPT], ['mqAcquire', 5, ACQUIRE_SCRIPT], ['mqDiscard', 5, DISCARD_SCRIPT],
    ['mqRetainPut', 2, RETAIN_PUT_SCRIPT], ['mqRetainDelete', 2, RETAIN_DELETE_SCRIPT], ['mqRetainExpire', 2, RETAIN_EXPIRE_SCRIPT],
    ['mqDeleteIf', 1, DELETE_IF_SCRIPT],
  ];
  for (const [name, numberOfKeys, lua] of scripts) client.defineCommand(name, { numberOfKeys, lua });
  client.on('error', onError);
  return { redis: client as unknown as ScriptedRedis, client, target };
}

/**
 * Connects, retrying until `timeoutMs`; a Redis that cannot be reached (or refuses the credentials)
 * fails with a message naming the setting and what was tried.
 */
export async function connectRedis(connection: RedisConnection, timeoutMs: number): Promise<void> {
  const { client, target } = connection;
  let lastError: Error | undefined;
  const onError = (err: Error): void => { lastError = err; };
  client.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(new StoreError(`cannot reach ${target} within ${timeoutMs} ms: ${lastError?.message ?? 'no answer'}`, { cause: lastError }));
      }, timeoutMs);
      const onReady = (): void => { clearTimeout(timer); resolve(); };
      client.once('ready', onReady);
      // connect() rejects on a first failure while ioredis goes on retrying: the timer decides.
      client.connect().catch((err: unknown) => { lastError = err as Error; });
    });
    await connection.redis.ping();
  } catch (err) {
    client.disconnect();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`${target} refused the first command: ${(err as Error).message}`, { cause: err });
  } finally {
    client.off('error', onError);
  }
}

/**
 * Warnings about the settings every master runs with (persistence, eviction policy), or one saying
 * they could not be read (managed Redis services often refuse CONFIG).
 */
export async function checkRedisServers(connection: RedisConnection): Promise<string[]> {
  const { client } = connection;
  const servers: Array<[string, Redis]> = client instanceof Cluster
    ? client.nodes('master').map((n) => [`${n.options.host ?? '?'}:${n.options.port ?? '?'}`, n])
    : [[connection.target, client]];
  const warnings: string[] = [];
  for (const [where, redis] of servers) {
    try {
      const reply = await redis.call('CONFIG', 'GET', 'appendonly', 'appendfsync', 'maxmemory-policy') as string[];
      warnings.push(...checkRedisSettings(where, parseConfigReply(reply)));
    } catch (err) {
      warnings.push(`Redis ${where}: could not read its settings (${(err as Error).message}); make sure it runs with appendonly yes, appendfsync everysec or always, and maxmemory-policy noeviction`);
    }
  }
  return warnings;
}
