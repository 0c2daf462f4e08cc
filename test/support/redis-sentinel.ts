// A real Redis Sentinel setup for tests: a master, a replica and three `redis-server --sentinel`
// processes on free loopback ports, ready once every sentinel knows the replica and the other
// sentinels; failovers are forced (SENTINEL FAILOVER) or caused (kill -9 of the master).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './net.js';
import { RedisServer } from './redis-server.js';
import { SpawnedProcess } from './spawned-process.js';
import { waitFor } from './wait.js';

export const SENTINEL_MASTER = 'meshmq-master';

export class RedisSentinels {
  readonly servers: readonly RedisServer[];
  readonly #sentinels: Array<{ port: number; process: SpawnedProcess; dir: string }>;

  private constructor(servers: RedisServer[], sentinels: Array<{ port: number; process: SpawnedProcess; dir: string }>) {
    this.servers = servers;
    this.#sentinels = sentinels;
  }

  static async start(): Promise<RedisSentinels> {
    const master = await RedisServer.start({ name: 'redis-master' });
    const replica = await RedisServer.start({ name: 'redis-replica', args: ['--replicaof', master.host, String(master.port)] });
    const sentinels: Array<{ port: number; process: SpawnedProcess; dir: string }> = [];
    const setup = new RedisSentinels([master, replica], sentinels);
    try {
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-sentinel-'));
        const conf = path.join(dir, 'sentinel.conf');
        fs.writeFileSync(conf, [
          `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} ${master.host} ${master.port} 2`,
          // 2 s, not 1: a loaded 2-core CI machine once starved a healthy master past 1 s (a failover nobody asked for).
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 2000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 3000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        ].join('\n') + '\n');
        sentinels.push({ port, dir, process: new SpawnedProcess({ command: 'redis-server', args: [conf, '--sentinel'], name: `sentinel-${i}` }) });
      }
      await setup.#waitSettled();
      return setup;
    } catch (err) {
      await setup.stop();
      throw err;
    }
  }

  /** host:port of each sentinel, as MESHMQ_REDIS_SENTINELS takes them. */
  get addresses(): string[] { return this.#sentinels.map((s) => `127.0.0.1:${s.port}`); }

  #client(port: number): Redis {
    const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
    c.on('error', () => { /* the awaiting command reports it */ });
    return c;
  }

  async #ask<T>(port: number, ...args: string[]): Promise<T> {
    const c = this.#client(port);
    try { return await c.call('SENTINEL', ...args) as T; } finally { c.disconnect(); }
  }

  /** The master's address as the sentinels agree on it. */
  async master(): Promise<string> {
    const [host, port] = await this.#ask<string[]>(this.#sentinels[0]!.port, 'get-master-addr-by-name', SENTINEL_MASTER);
    return `${host}:${port}`;
  }

  /** Every sentinel sees the current master, one replica in sync and the two other sentinels. */
  async settled(timeoutMs = 30000): Promise<void> {
    await this.#waitSettled(timeoutMs);
  }

  async #waitSettled(timeoutMs = 20000): Promise<void> {
    await waitFor(async () => {
      const masters = new Set<string>();
      for (const s of this.#sentinels) {
        const replicas = await this.#ask<unknown[]>(s.port, 'replicas', SENTINEL_MASTER);
        const others = await this.#ask<unknown[]>(s.port, 'sentinels', SENTINEL_MASTER);
        if (replicas.length < 1 || others.length < 2) return false;
        const [host, port] = await this.#ask<string[]>(s.port, 'get-master-addr-by-name', SENTINEL_MASTER);
        masters.add(`${host}:${port}`);
      }
      if (masters.size !== 1) return false;
      // And the replica is in sync (a full resync takes a moment): WAIT can count it.
      const info = String(await this.server([...masters][0]!).admin().info('replication'));
      return /slave\d+:.*state=online/.test(info);
    }, { timeoutMs, intervalMs: 200, what: 'the sentinels to agree on a master with a replica in sync' });
  }

  /**
   * SENTINEL FAILOVER: the replica is promoted, the old master demoted (it answers READONLY until
   * it follows). Returns the master it promoted: on a CPU-starved machine the sentinels may fail
   * over once more by themselves before they settle, which the caller must survive, not assert.
   */
  async failover(): Promise<string> {
    const before = await this.master();
    await this.#ask(this.#sentinels[0]!.port, 'failover', SENTINEL_MASTER);
    let promoted = before;
    await waitFor(async () => (promoted = await this.master()) !== before, { timeoutMs: 15000, what: 'a new master after SENTINEL FAILOVER' });
    await this.#waitSettled();
    return promoted;
  }

  /** The server holding `address` (host:port). */
  server(address: string): RedisServer {
    const s = this.servers.find((r) => r.address === address);
    if (s === undefined) throw new Error(`no Redis at ${address}`);
    return s;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.#sentinels.map((s) => s.process.kill()));
    for (const s of this.#sentinels) fs.rmSync(s.dir, { recursive: true, force: true });
    await Promise.allSettled(this.servers.map((s) => s.stop()));
  }
}
