// A real redis-server owned by a test: started on a free loopback port with its own directory,
// ready once it answers PING; it can be restarted on the same port (and data), killed, paused with
// SIGSTOP or slowed with DEBUG SLEEP, so tests see what a Redis outage does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './net.js';
import { hasCommand, type Requirement } from './requirements.js';
import { SpawnedProcess } from './spawned-process.js';

export function hasRedisServer(): Requirement {
  return hasCommand('redis-server', ['--version']);
}

export interface RedisServerOptions {
  /** AOF on with this fsync policy (default: always, so a kill -9 of Redis loses nothing). */
  readonly appendfsync?: 'always' | 'everysec' | 'no' | 'off';
  readonly port?: number;
  readonly host?: string;
  /** Extra `--name value` arguments. */
  readonly args?: readonly string[];
  readonly name?: string;
  /** The data directory (a fresh temporary one by default). */
  readonly dir?: string;
  /** A TLS port as well (the plain one stays, for the readiness probe and inspection). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** requirepass: clients must authenticate. */
  readonly password?: string;
}

export class RedisServer {
  readonly host: string;
  readonly port: number;
  /** The TLS port when started with `tls`, else 0. */
  readonly tlsPort: number;
  readonly dir: string;
  readonly #options: RedisServerOptions;
  #process: SpawnedProcess;
  #admin: Redis | undefined;

  private constructor(host: string, port: number, tlsPort: number, dir: string, options: RedisServerOptions, child: SpawnedProcess) {
    this.host = host;
    this.port = port;
    this.tlsPort = tlsPort;
    this.dir = dir;
    this.#options = options;
    this.#process = child;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? await freePort(host);
    const tlsPort = options.tls === undefined ? 0 : await freePort(host);
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-redis-'));
    const server = new RedisServer(host, port, tlsPort, dir, options, RedisServer.#spawn(host, port, tlsPort, dir, options));
    await server.#waitReady();
    return server;
  }

  static #spawn(host: string, port: number, tlsPort: number, dir: string, options: RedisServerOptions): SpawnedProcess {
    const fsync = options.appendfsync ?? 'always';
    const tls = options.tls === undefined ? [] : ['--tls-port', String(tlsPort), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-auth-clients', 'no'];
    const auth = options.password === undefined ? [] : ['--requirepass', options.password];
    const args = [...tls, ...auth,
      '--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--daemonize', 'no', '--protected-mode', 'no',
      '--appendonly', fsync === 'off' ? 'no' : 'yes', ...(fsync === 'off' ? [] : ['--appendfsync', fsync]),
      '--maxmemory-policy', 'noeviction', '--enable-debug-command', 'yes', '--loglevel', 'warning',
      ...(options.args ?? []),
    ];
    return new SpawnedProcess({ command: 'redis-server', args, name: options.name ?? `redis-${port}` });
  }

  get url(): string { return `redis://${this.host}:${this.port}`; }
  get address(): string { return `${this.host}:${this.port}`; }
  get pid(): number | undefined { return this.#process.pid; }
  logs(): string { return this.#process.output(); }

  /** A client for inspecting what the broker wrote (commands fail while the server is down). */
  admin(): Redis {
    if (this.#admin === undefined) {
      this.#admin = new Redis({ host: this.host, port: this.port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(50 * n, 500), ...(this.#options.password === undefined ? {} : { password: this.#options.password }) });
      this.#admin.on('error', () => { /* reconnects by itself; the awaiting command reports the failure */ });
    }
    return this.#admin;
  }

  async #waitReady(timeoutMs = 10000): Promise<void> {
    const probe = new Redis({ host: this.host, port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, ...(this.#options.password === undefined ? {} : { password: this.#options.password }) });
    probe.on('error', () => { /* not up yet */ });
    try {
      await this.#process.waitWhileRunning(async () => {
        try {
          if (probe.status !== 'ready') await probe.connect();
          // A server loading its AOF answers LOADING: not ready yet.
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      }, { timeoutMs, what: `redis-server on ${this.address}` });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.#process.output().slice(-2000)}`, { cause: err });
    } finally {
      probe.disconnect();
    }
  }

  /** kill -9: what was not fsynced is lost. */
  async kill(): Promise<void> {
    await this.#process.kill();
  }

  /** Starts it again on the same port and directory (it reloads its AOF). */
  async restart(): Promise<void> {
    if (this.#process.exitStatus === undefined) await this.#process.kill();
    this.#process = RedisServer.#spawn(this.host, this.port, this.tlsPort, this.dir, this.#options);
    await this.#waitReady();
  }

  /** SIGSTOP: the socket stays open and nothing answers (a hung Redis). */
  pause(): void { if (this.pid !== undefined) process.kill(this.pid, 'SIGSTOP'); }
  resume(): void { if (this.pid !== undefined) process.kill(this.pid, 'SIGCONT'); }

  /** DEBUG SLEEP: Redis blocks for `seconds` (a slow Redis); resolves when it answers again. */
  async sleep(seconds: number): Promise<void> {
    const c = new Redis({ host: this.host, port: this.port, maxRetriesPerRequest: 0, ...(this.#options.password === undefined ? {} : { password: this.#options.password }) });
    try { await c.call('DEBUG', 'SLEEP', String(seconds)); } finally { c.disconnect(); }
  }

  async stop(): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
    if (this.#process.exitStatus === undefined) {
      this.resume();
      await this.#process.kill();
    }
    if (this.#options.dir === undefined) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
