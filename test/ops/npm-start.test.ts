// `npm start` as a supervisor (or a person at a terminal) uses it: SIGTERM to the npm process stops
// the broker gracefully (no broker left holding its ports), and the build runs only when a source
// changed (scripts/start.mjs and build-if-stale.mjs, tried on a small project of its own with the real tsc).
import { afterEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpawnedProcess } from '../support/spawned-process.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const processes: SpawnedProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function spawn(command: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnedProcess {
  const child = new SpawnedProcess({ command, args, cwd, name: `${path.basename(command)} ${args.join(' ')}`, env: { ...process.env, ...env } });
  processes.push(child);
  return child;
}

async function refusesConnections(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return await new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

describe('npm start', () => {
  it('stops the broker, gracefully, when the npm process gets SIGTERM', async () => {
    const npm = spawn('npm', ['start', '--silent'], root, {
      MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: '0', MESHMQ_WS_PORT: '0', MESHMQ_HTTP_PORT: '0', MESHMQ_NODE_NAME: 'npm-start', MESHMQ_LOG_FORMAT: 'json',
    });
    // Built already (npm test builds first): no tsc run here, unless a source is newer than dist/.
    const line = await npm.waitForOutput('"msg":"listening"', 90000);
    const listening = JSON.parse(line) as { mqtt: string; http: string };
    expect((await fetch(`http://${listening.http}/healthz`)).status).toBe(200);
    const exit = await npm.stop('SIGTERM', 25000);
    expect(npm.output()).toContain('"msg":"stopped"');
    expect(exit.code).toBe(0);
    // Nothing is left listening on the broker's ports once npm is gone.
    expect(await refusesConnections(listening.mqtt)).toBe(true);
    expect(await refusesConnections(listening.http)).toBe(true);
  }, 120000);
});

/** A project shaped like meshmq (tsconfig.build.json, broker/main.ts) whose broker prints its arguments. */
function smallProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-start-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'broker'));
  for (const script of ['start.mjs', 'build-if-stale.mjs']) fs.copyFileSync(path.join(root, 'scripts', script), path.join(dir, 'scripts', script));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist', rootDir: '.', strict: true, types: [] },
    include: ['broker'],
  }));
  fs.writeFileSync(path.join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', exclude: ['**/*.test.ts', 'dist'] }));
  fs.writeFileSync(path.join(dir, 'broker', 'main.ts'), 'declare const process: { argv: string[]; stdout: { write(s: string): void } };\n' +
    "process.stdout.write(`broker started with ${process.argv.slice(2).join(' ')}\\n`);\n");
  return dir;
}

/** Saves `file` again (its mtime now, or `aheadMs` later). */
function touch(file: string, aheadMs = 0): void {
  const when = new Date(Date.now() + aheadMs);
  fs.utimesSync(file, when, when);
}

describe('scripts/start.mjs (what npm start runs)', () => {
  it('builds when never built or a source changed, and otherwise starts at once; test files and builds by tsc alone count right', async () => {
    const dir = smallProject();
    const start = async (): Promise<string> => {
      const child = spawn(process.execPath, ['scripts/start.mjs', '--config', 'x.yaml'], dir);
      expect((await child.exited).code).toBe(0);
      return child.output();
    };
    const first = await start();
    expect(first).toContain('meshmq: building (not built yet): tsc -p tsconfig.build.json');
    expect(first).toContain('broker started with --config x.yaml');

    expect(await start()).toBe('broker started with --config x.yaml\n');

    fs.writeFileSync(path.join(dir, 'broker', 'main.test.ts'), 'export {};\n');
    touch(path.join(dir, 'broker', 'main.test.ts'), 5000);
    expect(await start()).toBe('broker started with --config x.yaml\n');

    touch(path.join(dir, 'broker', 'main.ts'));
    const rebuilt = await start();
    expect(rebuilt).toContain('meshmq: building (broker/main.ts changed since the last build)');
    expect(rebuilt).toContain('broker started with --config x.yaml');

    // A change built by tsc alone (npm run build) is not built again.
    touch(path.join(dir, 'broker', 'main.ts'));
    const tsc = spawn(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], dir);
    expect((await tsc.exited).code).toBe(0);
    expect(await start()).toBe('broker started with --config x.yaml\n');
  }, 90000);

  it('stops the build (tsc too) and starts nothing when signalled while building', async () => {
    const dir = smallProject();
    const child = spawn(process.execPath, ['scripts/start.mjs'], dir);
    await child.waitForOutput('meshmq: building', 20000);
    process.kill(child.pid as number, 'SIGTERM');
    const exit = await waitFor(() => child.exitStatus, { timeoutMs: 10000, what: 'start.mjs to exit after SIGTERM' });
    expect(exit.code).toBe(143);
    expect(child.output()).toContain('meshmq: build stopped by SIGTERM');
    expect(child.output()).not.toContain('broker started');
    expect(fs.existsSync(path.join(dir, 'dist', '.build-stamp'))).toBe(false);
  }, 30000);
});
