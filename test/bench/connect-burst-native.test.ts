// The native connection generator, compiled here, against a real meshmq process (the build in
// dist/) and small local servers: every connection gets its CONNACK and the broker holds exactly as
// many clients; a refusing CONNACK or a reset fails the burst with its reason; the compile cache is
// private to its user; without a compiler that can build it the bench falls back to the Node client.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { access, chmod, chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { freePorts } from '../support/net.js';
import { hasCommand, isRoot, itRequiring, type Requirement } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { createBurstDriver, pickSourceAddress } from './connect-burst-driver.js';
import { NativeConnectionBurst } from './connect-burst-native.js';
import { compileNativeBurst, type NativeBuild } from './native/compile-native.js';
import { PinnedProcess, runningSingleProcess } from './pinned-process.js';

const MAIN = path.resolve('dist/broker/main.js');
// Skipped with the reason when no C compiler (or strace, or root) is here; CI installs them
// (.ci/run) and fails these tests instead. A compiler that cannot build the generator fails them.
const hasCompiler = (): Requirement => {
  const cc = hasCommand('cc', ['--version']);
  return cc.ok ? cc : { ...hasCommand('gcc', ['--version']), reason: 'needs a C compiler (cc or gcc)' };
};
const itNative = itRequiring(hasCompiler());
const run = promisify(execFile);

async function readGauge(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

/** A local TCP server that hands each connection to `onSocket`; close() ends them all. */
async function startServer(onSocket: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy()); // the generator's resets are what these tests provoke
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('native connection generator', () => {
  let build: NativeBuild = { ok: false, reason: 'not compiled' };
  beforeAll(async () => {
    if (hasCompiler().ok) build = await compileNativeBurst();
  }, 120000);

  /** The compiled generator; a compiler that could not build it fails the test with its reason. */
  function nativeBinary(): string {
    if (build.ok) return build.binary;
    throw new Error(build.reason);
  }

  itNative('opens, holds and counts a few hundred connections to meshmq', async () => {
    const binary = nativeBinary();
    if (!(await access(MAIN).then(() => true, () => false))) throw new Error(`${MAIN} is not built (npm run build)`);
    const [mqttPort, httpPort] = await freePorts(2) as [number, number];
    const broker = new PinnedProcess({
      name: 'meshmq', command: process.execPath, args: [MAIN], cpus: undefined,
      env: { ...process.env, MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: String(mqttPort), MESHMQ_HTTP_PORT: String(httpPort), MESHMQ_WS_ENABLED: 'false', MESHMQ_LOG_LEVEL: 'warn', MESHMQ_NODE_NAME: 'native-burst-test' },
    });
    const running = await runningSingleProcess(broker, { host: '127.0.0.1', port: mqttPort });
    const burst = new NativeConnectionBurst({
      binary, endpoint: running.publishEndpoint, count: 300, concurrency: 16, warmup: 50,
      clientIdPrefix: `native-test-${process.pid}-`, localAddress: pickSourceAddress(), timeoutMs: 20000,
    });
    try {
      await burst.warmedUp();
      // The warm-up connections were closed: the broker drops them before the burst is counted.
      await waitFor(async () => (await readGauge(httpPort, 'meshmq_connections')) === 0, { what: 'warm-up clients gone' });
      const figures = await burst.burst();
      expect(figures.accepted).toBe(300);
      expect(figures.seconds).toBeGreaterThan(0);
      expect(figures.cpuUserSeconds + figures.cpuSystemSeconds).toBeGreaterThanOrEqual(0);
      await waitFor(async () => (await readGauge(httpPort, 'meshmq_connections')) === 300, { what: '300 clients held by the broker' });
      expect(await burst.finish()).toBe(0);
      await waitFor(async () => (await readGauge(httpPort, 'meshmq_connections')) === 0, { what: 'held clients gone after finish' });
    } finally {
      await burst.close();
      await running.stop();
    }
  }, 60000);

  /** Runs `body` with a burst against a local server that answers every CONNECT with `connack`. */
  async function againstConnackServer(connack: number[], plan: { count: number; concurrency: number; timeoutMs: number }, body: (burst: NativeConnectionBurst) => Promise<void>): Promise<void> {
    const binary = nativeBinary();
    const server = await startServer((socket) => socket.once('data', () => socket.write(Buffer.from(connack))));
    const burst = new NativeConnectionBurst({ binary, endpoint: { host: '127.0.0.1', port: server.port }, warmup: 0, clientIdPrefix: 'c-', ...plan });
    try {
      await burst.warmedUp();
      await body(burst);
    } finally {
      await burst.close();
      await server.close();
    }
  }

  itNative('fails the burst on a refusing CONNACK', async () => {
    await againstConnackServer([0x20, 0x02, 0x00, 0x05], { count: 5, concurrency: 2, timeoutMs: 10000 }, async (burst) => {
      await expect(burst.burst()).rejects.toThrow(/refused: 20020005/);
    });
  }, 30000);

  itNative('waits out a --timeout-ms beyond an int of milliseconds instead of failing at once', async () => {
    await againstConnackServer([0x20, 0x02, 0x00, 0x00], { count: 3, concurrency: 3, timeoutMs: 9_999_999_999 }, async (burst) => {
      expect((await burst.burst()).accepted).toBe(3);
      expect(await burst.finish()).toBe(0);
    });
  }, 30000);

  itRequiring(hasCompiler(), hasCommand('strace', ['-V']))('reports a connection reset before its CONNECT is written as an error, not death by SIGPIPE', async () => {
    const binary = nativeBinary();
    // On loopback the CONNECT is written before any server could answer; strace holds the generator
    // in connect() for a second while the server ends the connection with a FIN, then an RST. The
    // write that follows fails with EPIPE, which without MSG_NOSIGNAL raises SIGPIPE.
    const server = await startServer((socket) => {
      socket.end();
      socket.once('finish', () => socket.resetAndDestroy());
    });
    try {
      const args = ['-o', '/dev/null', '-e', 'trace=connect', '-e', 'inject=connect:delay_exit=1000000',
        binary, '--host', '127.0.0.1', '--port', String(server.port), '--count', '1', '--timeout-ms', '10000'];
      const failed = await run('strace', args, { timeout: 20000 }).then(() => undefined, (err: unknown) => err as { code?: unknown; signal?: unknown; stdout?: unknown });
      expect(failed).toMatchObject({ code: 1, signal: null });
      expect(String(failed?.stdout)).toContain('{"event":"error","message":"write CONNECT: Broken pipe","accepted":0}');
    } finally {
      await server.close();
    }
  }, 30000);

  itNative('builds once per source version (cached by hash)', async () => {
    nativeBinary();
    const again = await compileNativeBurst();
    expect(again).toMatchObject({ ok: true, cached: true });
  }, 120000);

  itNative('keeps its cache private and never runs a binary someone else could have planted', async () => {
    nativeBinary();
    const root = await mkdtemp(path.join(os.tmpdir(), 'native-cache-test-'));
    const cacheDir = path.join(root, 'cache');
    try {
      const first = await compileNativeBurst({ cacheDir });
      if (!first.ok) throw new Error(first.reason);
      expect(first).toMatchObject({ cached: false, binary: expect.stringContaining(cacheDir) });
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
      expect((await stat(first.binary)).mode & 0o777).toBe(0o700);
      expect(await compileNativeBurst({ cacheDir })).toMatchObject({ ok: true, cached: true, binary: first.binary });

      // Writable by others: rebuilt (in the cache dir, which is the current user's alone).
      await chmod(first.binary, 0o777);
      expect(await compileNativeBurst({ cacheDir })).toMatchObject({ ok: true, cached: false, binary: first.binary });
      await chmod(cacheDir, 0o777);
      expect(await compileNativeBurst({ cacheDir })).toMatchObject({ ok: true, cached: true });
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120000);

  itRequiring(hasCompiler(), isRoot())('never runs a cached binary, nor uses a cache directory, that another user owns', async () => {
    nativeBinary();
    const root = await mkdtemp(path.join(os.tmpdir(), 'native-cache-test-'));
    const cacheDir = path.join(root, 'cache');
    const elsewhere: string[] = [];
    try {
      const first = await compileNativeBurst({ cacheDir });
      if (!first.ok) throw new Error(first.reason);
      const nobody = 65534;
      await chown(first.binary, nobody, nobody);
      expect(await compileNativeBurst({ cacheDir })).toMatchObject({ ok: true, cached: false, binary: first.binary });
      expect((await stat(first.binary)).uid).toBe(0);
      // Someone else's cache dir: a fresh private directory instead.
      await chown(cacheDir, nobody, nobody);
      const fresh = await compileNativeBurst({ cacheDir });
      if (!fresh.ok) throw new Error(fresh.reason);
      elsewhere.push(path.dirname(fresh.binary));
      expect(fresh.cached).toBe(false);
      expect(path.dirname(fresh.binary)).not.toBe(cacheDir);
      expect((await stat(path.dirname(fresh.binary))).mode & 0o777).toBe(0o700);
    } finally {
      for (const dir of [root, ...elsewhere]) await rm(dir, { recursive: true, force: true });
    }
  }, 120000);
});

describe('createBurstDriver', () => {
  const plan = { endpoint: { host: '127.0.0.1', port: 1 }, count: 1, concurrency: 1, warmup: 0, clientIdPrefix: 'x-', timeoutMs: 1000 };
  const noCompiler = async (): Promise<{ ok: false; reason: string }> => ({ ok: false, reason: 'no C compiler (cc, gcc) installed' });

  it('falls back to the Node client without a compiler, and says so', async () => {
    const driver = await createBurstDriver(plan, 'auto', noCompiler);
    expect(driver.generator).toBe('node');
    expect(driver.note).toMatch(/no C compiler .*generator-bound/);
    await driver.close();
  });

  it('refuses to fall back when the native generator was asked for', async () => {
    await expect(createBurstDriver(plan, 'native', noCompiler)).rejects.toThrow(/unavailable: no C compiler/);
  });

  it('reports no compiler when none of the named ones exists', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'native-burst-test-'));
    try {
      expect(await compileNativeBurst({ cacheDir: path.join(dir, 'cache'), compilers: ['no-such-cc-here'] })).toEqual({ ok: false, reason: 'no C compiler (no-such-cc-here) installed' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('treats a compiler that cannot build (no libc headers) as native unavailable, with its error line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'native-burst-test-'));
    const brokenCc = path.join(dir, 'broken-cc');
    await writeFile(brokenCc, '#!/bin/sh\necho "In file included from x.c:1:" >&2\necho "connect-burst.c:15:10: fatal error: arpa/inet.h: No such file or directory" >&2\necho "compilation terminated." >&2\nexit 1\n');
    await chmod(brokenCc, 0o755);
    try {
      const build = await compileNativeBurst({ cacheDir: path.join(dir, 'cache'), compilers: [brokenCc] });
      expect(build).toEqual({ ok: false, reason: `${brokenCc} could not build connect-burst.c: connect-burst.c:15:10: fatal error: arpa/inet.h: No such file or directory` });
      const compile = async (): Promise<NativeBuild> => build;
      const driver = await createBurstDriver(plan, 'auto', compile);
      expect(driver.generator).toBe('node');
      expect(driver.note).toMatch(/fatal error: arpa\/inet\.h.*generator-bound/);
      await driver.close();
      await expect(createBurstDriver(plan, 'native', compile)).rejects.toThrow(/unavailable: .*could not build connect-burst\.c: .*arpa\/inet\.h/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('picks loopback source addresses away from 127.0.0.x and 127.0.8.x', () => {
    expect(pickSourceAddress(() => 0)).toBe('127.10.1.1');
    expect(pickSourceAddress(() => 0.9999)).toBe('127.249.254.254');
  });
});
