// The native connection generator, compiled here, against a real meshmq process (the build in
// dist/): every connection gets its CONNACK and the broker holds exactly as many clients; a
// refusing CONNACK fails the burst; without a compiler the bench falls back to the Node client.
import net from 'node:net';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { freePorts } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { createBurstDriver, pickSourceAddress } from './connect-burst-driver.js';
import { NativeConnectionBurst } from './connect-burst-native.js';
import { compileNativeBurst } from './native/compile-native.js';
import { PinnedProcess, runningSingleProcess } from './pinned-process.js';

const MAIN = path.resolve('dist/broker/main.js');
const build = await compileNativeBurst();
const hasBuild = await access(MAIN).then(() => true, () => false);
// CI installs gcc (.ci/run): there a missing compiler fails the native tests instead of skipping them.
const withCompiler = build.ok || process.env['CI'] === 'true' ? it : it.skip;
if (!build.ok) process.stderr.write(`connect-burst-native.test: ${process.env['CI'] === 'true' ? 'failing' : 'skipping'} native runs: ${build.reason}\n`);

async function readGauge(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

describe('native connection generator', () => {
  withCompiler('opens, holds and counts a few hundred connections to meshmq', async () => {
    if (!build.ok) throw new Error(build.reason);
    if (!hasBuild) throw new Error(`${MAIN} is not built (npm run build)`);
    const [mqttPort, httpPort] = await freePorts(2) as [number, number];
    const broker = new PinnedProcess({
      name: 'meshmq', command: process.execPath, args: [MAIN], cpus: undefined,
      env: { ...process.env, MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: String(mqttPort), MESHMQ_HTTP_PORT: String(httpPort), MESHMQ_WS_ENABLED: 'false', MESHMQ_LOG_LEVEL: 'warn', MESHMQ_NODE_NAME: 'native-burst-test' },
    });
    const running = await runningSingleProcess(broker, { host: '127.0.0.1', port: mqttPort });
    const burst = new NativeConnectionBurst({
      binary: build.binary, endpoint: running.publishEndpoint, count: 300, concurrency: 16, warmup: 50,
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

  withCompiler('fails the burst on a refusing CONNACK', async () => {
    if (!build.ok) throw new Error(build.reason);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x05])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const burst = new NativeConnectionBurst({ binary: build.binary, endpoint: { host: '127.0.0.1', port }, count: 5, concurrency: 2, warmup: 0, clientIdPrefix: 'r-', timeoutMs: 10000 });
    try {
      await burst.warmedUp();
      await expect(burst.burst()).rejects.toThrow(/refused: 20020005/);
    } finally {
      await burst.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 30000);

  withCompiler('builds once per source version (cached by hash)', async () => {
    const again = await compileNativeBurst();
    expect(again).toMatchObject({ ok: true, cached: true });
  });
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
    const dir = `/tmp/native-burst-test-${process.pid}`;
    try {
      expect(await compileNativeBurst({ cacheDir: dir, compilers: ['no-such-cc-here'] })).toEqual({ ok: false, reason: 'no C compiler (no-such-cc-here) installed' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('picks loopback source addresses away from 127.0.0.x and 127.0.8.x', () => {
    expect(pickSourceAddress(() => 0)).toBe('127.10.1.1');
    expect(pickSourceAddress(() => 0.9999)).toBe('127.249.254.254');
  });
});
