// The Redis the store scenarios run on: one redis-server started by the bench on a free loopback
// port, with the settings meshmq asks for (AOF fsync every second, no eviction), pinned to the
// generator's CPU so the broker keeps its own; emptied before each scenario.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../support/net.js';
import type { Endpoint } from './bench-connection.js';
import { PinnedProcess, waitForPort } from './pinned-process.js';

export class BenchRedis {
  readonly endpoint: Endpoint;
  readonly #process: PinnedProcess;
  readonly #dir: string;

  private constructor(endpoint: Endpoint, process: PinnedProcess, dir: string) {
    this.endpoint = endpoint;
    this.#process = process;
    this.#dir = dir;
  }

  static async start(cpus: string | undefined): Promise<BenchRedis> {
    const host = '127.0.0.1';
    const port = await freePort(host);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshmq-bench-redis-'));
    const process = new PinnedProcess({
      name: 'redis-server', command: 'redis-server', cpus,
      args: ['--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'],
    });
    const redis = new BenchRedis({ host, port }, process, dir);
    try {
      await waitForPort(redis.endpoint, process);
      await redis.#call('PING');
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  get url(): string { return `redis://${this.endpoint.host}:${this.endpoint.port}`; }

  async version(): Promise<string> {
    const info = String(await this.#call('INFO', 'server'));
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  }

  /** Nothing left from the previous scenario. */
  async flush(): Promise<void> {
    await this.#call('FLUSHALL');
  }

  async stop(): Promise<void> {
    await this.#process.stop(5000);
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #call(...args: string[]): Promise<unknown> {
    const c = new Redis({ host: this.endpoint.host, port: this.endpoint.port, maxRetriesPerRequest: 2 });
    try { return await c.call(args[0]!, ...args.slice(1)); } finally { c.disconnect(); }
  }
}
