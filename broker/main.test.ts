// The `meshmq` command as a user runs it (the built dist/broker/main.js): bad configuration
// exits 2 with the message, a started broker logs its real addresses, and SIGTERM makes v5
// clients see DISCONNECT 0x8B before the process exits 0.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePort } from '../test/support/net.js';
import { SpawnedProcess } from '../test/support/spawned-process.js';
import { waitFor } from '../test/support/wait.js';
import { hashPassword } from './auth/password-hash.js';
import { formatUserEntry } from './auth/users-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist', 'broker', 'main.js');
const processes: SpawnedProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -p tsconfig.build.json)`);
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): SpawnedProcess {
  const child = new SpawnedProcess({
    command: process.execPath, args: [main, ...args], name: 'meshmq',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: '0', MESHMQ_WS_PORT: '0', MESHMQ_HTTP_PORT: '0', ...env },
  });
  processes.push(child);
  return child;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-main-'));
  dirs.push(dir);
  return dir;
}

describe('meshmq with a bad configuration', () => {
  it('exits 2 naming the variable, the value and what is allowed', async () => {
    const child = run([], { MESHMQ_LOG_LEVEL: 'verbose' });
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain('MESHMQ_LOG_LEVEL=verbose: log.level must be one of debug, info, warn, error');
  });

  it('exits 2 on an unknown key in the config file', async () => {
    const file = path.join(tempDir(), 'meshmq.yaml');
    fs.writeFileSync(file, 'listeners:\n  mqtt:\n    prot: 1883\n');
    const child = run(['--config', file]);
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain(`config file ${file}: unknown key listeners.mqtt.prot; allowed: enabled, port`);
  });

  it('exits 2 on a users file with a plain-text password', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'users.yaml'), '- username: alice\n  password: hunter2\n');
    const child = run([], { MESHMQ_USERS_FILE: path.join(dir, 'users.yaml') });
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain('user "alice" has a plain-text password');
  });

  it('names the Redis setting and what was tried when Redis cannot be reached at start', async () => {
    const port = await freePort();
    const child = run([], { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: `redis://user:s3cret@127.0.0.1:${port}/0`, MESHMQ_REDIS_CONNECT_TIMEOUT_MS: '300' });
    expect((await child.exited).code).toBe(3);
    expect(child.output()).toContain(`store.type=redis: cannot reach Redis redis://user:***@127.0.0.1:${port}/0 (store.redisUrl, MESHMQ_REDIS_URL) within 300 ms: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(child.output()).not.toContain('s3cret');
  });

  it('names the variable of a malformed Redis URL', async () => {
    const child = run([], { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: 'redis//nohost' });
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain('MESHMQ_REDIS_URL=<redacted>: store.redisUrl is not valid: a redis:// or rediss:// URL');
  });

  it('exits 2 on an unknown command', async () => {
    const child = run(['serve']);
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain('unknown command "serve"');
  });
});

describe('meshmq passwd', () => {
  it('prints a users-file entry for the password on stdin', async () => {
    const child = run(['passwd', '--user', 'alice']);
    child.stdin?.end('s3cret\n');
    expect((await child.exited).code).toBe(0);
    expect(child.output()).toMatch(/^- username: "alice"\n {2}password: "scrypt\$16384\$8\$1\$[^"]+"\n$/);
  });
});

/** Fails with `what` when `promise` has not settled within `ms`: no wait in this file is unbounded. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function startBroker(name: string, env: Record<string, string> = {}): Promise<{ child: SpawnedProcess; listening: { node: string; mqtt: string; ws: string; http: string } }> {
  const child = run([], { MESHMQ_NODE_NAME: name, ...env });
  const line = await child.waitForOutput('"msg":"listening"', 15000);
  return { child, listening: JSON.parse(line) as { node: string; mqtt: string; ws: string; http: string } };
}

describe('meshmq running', () => {
  it('logs its real bound addresses, serves the probes, and exits 0 on SIGTERM', async () => {
    const { child, listening } = await startBroker('main-test');
    expect(listening.node).toBe('main-test');
    expect(listening.mqtt).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(listening.ws).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(listening.http).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect((await fetch(`http://${listening.http}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`http://${listening.http}/readyz`)).status === 200, { what: '/readyz 200' });
    process.kill(child.pid as number, 'SIGTERM');
    expect((await within(child.exited, 25000, 'exit after SIGTERM')).code).toBe(0);
    expect(child.output()).toContain('"msg":"stopped"');
  });

  it('on SIGTERM sends v5 clients DISCONNECT 0x8B (server shutting down) before exiting 0', async () => {
    const { child, listening } = await startBroker('main-test-disconnect');
    const client = await mqtt.connectAsync(`mqtt://${listening.mqtt}`, { protocolVersion: 5, clientId: 'main-test-client', reconnectPeriod: 0 });
    const disconnect = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
    try {
      process.kill(child.pid as number, 'SIGTERM');
      expect(await within(disconnect, 10000, 'DISCONNECT from the broker')).toBe(0x8b);
      expect((await within(child.exited, 25000, 'exit after SIGTERM')).code).toBe(0);
    } finally {
      await client.endAsync(true);
    }
  });

  it('exits at once on a second signal', async () => {
    const { child } = await startBroker('main-test-twice');
    process.kill(child.pid as number, 'SIGTERM');
    process.kill(child.pid as number, 'SIGINT');
    // Either the second signal cut the shutdown short (128 + SIGINT) or it had already finished.
    const exit = await within(child.exited, 5000, 'exit after a second signal');
    expect([0, 130]).toContain(exit.code);
  });

  it('enforces the users file and the ACL it is configured with', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'users.yaml'), formatUserEntry('alice', await hashPassword('pw-alice', { N: 1024, r: 8, p: 1 })));
    fs.writeFileSync(path.join(dir, 'acl.yaml'), '- { action: subscribe, permission: deny, topic: "private/#" }\n');
    const { child, listening } = await startBroker('main-test-auth', {
      MESHMQ_ALLOW_ANONYMOUS: 'false', MESHMQ_USERS_FILE: path.join(dir, 'users.yaml'), MESHMQ_ACL_FILE: path.join(dir, 'acl.yaml'),
    });
    const url = `mqtt://${listening.mqtt}`;
    const refused = (options: mqtt.IClientOptions) => within(mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, ...options }).then(
      async (c) => { await c.endAsync(true); return 'connected'; },
      (err: { code?: number }) => err.code,
    ), 10000, 'CONNACK');
    expect(await refused({ clientId: 'anon' })).toBe(0x87); // not authorized
    expect(await refused({ clientId: 'bad', username: 'alice', password: 'nope' })).toBe(0x86); // bad user name or password
    const alice = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'alice-1', username: 'alice', password: 'pw-alice', reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      alice.on('message', (topic) => received.push(topic));
      await alice.subscribeAsync('#', { qos: 1 });
      await alice.publishAsync('private/x', 'secret', { qos: 1 });
      await alice.publishAsync('public/x', 'hello', { qos: 1 });
      await waitFor(() => received.includes('public/x'), { what: 'public/x delivered' });
      expect(received).toEqual(['public/x']);
    } finally {
      await alice.endAsync(true);
      await child.stop('SIGTERM', 25000);
    }
  });
});
