// What a person meets in the first hour with the `meshmq` command (the built dist/broker/main.js):
// taken ports named all at once in plain lines, a warning for each open door, changes to the admin
// API refused from another host without a token (a real second host: a network namespace),
// a refused configuration that would lock everyone out, the WebSocket path, --help and its defaults.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { CONFIG_ENV_VARS } from '../../broker/contract/config-env.js';
import { NetnsNetwork } from '../kube/network/netns-network.js';
import { repoRoot } from '../support/broker-process.js';
import { httpRequest } from '../support/http-client.js';
import { isRoot, itRequiring } from '../support/requirements.js';
import { SpawnedProcess } from '../support/spawned-process.js';

const main = path.join(repoRoot(), 'dist', 'broker', 'main.js');
const run = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: build first (npm run build)`);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 30000);

function meshmq(args: string[], env: Record<string, string> = {}): SpawnedProcess {
  const child = new SpawnedProcess({
    command: process.execPath, args: [main, ...args], name: 'meshmq',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin', MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: '0', MESHMQ_WS_PORT: '0', MESHMQ_HTTP_PORT: '0',
      MESHMQ_LOG_FORMAT: 'json', MESHMQ_SYS_INTERVAL_MS: '0', ...env,
    },
  });
  cleanups.push(() => child.kill());
  return child;
}

async function started(child: SpawnedProcess): Promise<{ mqtt: string; ws: string; http: string }> {
  return JSON.parse(await child.waitForOutput('"msg":"listening"', 15000)) as { mqtt: string; ws: string; http: string };
}

async function holdPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);

describe('ports that are taken', () => {
  it('are all named at once, one plain line each with the listener, the address and the setting, and the start stops (exit 2)', async () => {
    const [mqtt, ws, http] = [await holdPort(), await holdPort(), await holdPort()];
    const child = meshmq([], { MESHMQ_MQTT_PORT: String(mqtt), MESHMQ_WS_PORT: String(ws), MESHMQ_HTTP_PORT: String(http) });
    expect((await child.exited).code).toBe(2);
    const said = (label: string, port: number, setting: string): string =>
      `meshmq: the ${label} cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); set ${setting} to a free port, or stop what holds it`;
    const lines = child.output().trim().split('\n');
    expect(lines).toEqual([
      said('HTTP listener', http, 'listeners.http.port (MESHMQ_HTTP_PORT)'),
      said('MQTT listener', mqtt, 'listeners.mqtt.port (MESHMQ_MQTT_PORT)'),
      said('WebSocket listener', ws, 'listeners.ws.port (MESHMQ_WS_PORT)'),
    ]);
  });

  it('include the cluster mesh port, said the same way', async () => {
    const mesh = await holdPort();
    const child = meshmq([], { MESHMQ_CLUSTER_DISCOVERY: 'manual', MESHMQ_CLUSTER_COOKIE: 'c'.repeat(32), MESHMQ_CLUSTER_PORT: String(mesh) });
    expect((await child.exited).code).toBe(2);
    expect(child.output().trim()).toBe(
      `meshmq: the cluster mesh listener cannot listen on 127.0.0.1:${mesh}: the address is already in use (EADDRINUSE); set cluster.port (MESHMQ_CLUSTER_PORT) to a free port, or stop what holds it`,
    );
  });
});

describe('open doors, said out loud', () => {
  it('warns once at start for anonymous clients and for an admin API without a token, with how to close each', async () => {
    const child = meshmq([], { MESHMQ_BIND: '0.0.0.0' });
    await started(child);
    const doors = child.output().split('\n').filter((l) => l.includes('"door"')).map((l) => JSON.parse(l) as { level: string; door: string; msg: string });
    expect(doors.map((d) => [d.level, d.door])).toEqual([['warn', 'anonymous_clients'], ['warn', 'admin_api_without_token']]);
    expect(doors[0]?.msg).toContain('set MESHMQ_ALLOW_ANONYMOUS=false and MESHMQ_USERS_FILE');
    expect(doors[1]?.msg).toContain('to close it set MESHMQ_API_TOKEN');
  });

  it('says nothing when they are closed (credentials and a token) or only this host can reach the broker', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-doors-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const passwd = meshmq(['passwd', '--user', 'alice']);
    passwd.stdin?.end('s3cret\n');
    expect((await passwd.exited).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'users.yaml'), passwd.output());
    const closed = meshmq([], { MESHMQ_BIND: '0.0.0.0', MESHMQ_ALLOW_ANONYMOUS: 'false', MESHMQ_USERS_FILE: path.join(dir, 'users.yaml'), MESHMQ_API_TOKEN: 't'.repeat(24) });
    await started(closed);
    const loopback = meshmq([]);
    await started(loopback);
    expect(closed.output()).not.toContain('"door"');
    expect(loopback.output()).not.toContain('"door"');
  });
});

describe('the admin API without a token', () => {
  const itRoot = itRequiring(isRoot());

  itRoot('answers reads from another host, and takes changes (kick, drain, forget) only from loopback until a token is set', async () => {
    const network = await NetnsNetwork.start();
    cleanups.push(() => network.close());
    await network.attach('other-host');
    const fromOtherHost = async (method: string, url: string, token?: string): Promise<{ status: number; body: string }> => {
      const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', method, ...(token === undefined ? [] : ['-H', `Authorization: Bearer ${token}`]), url];
      const [cmd, ...rest] = network.wrapCommand('other-host', ['curl', ...args]);
      const { stdout } = await run(cmd as string, rest, { timeout: 10000 });
      const cut = stdout.lastIndexOf('\n');
      return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
    };
    const open = meshmq([], { MESHMQ_BIND: '0.0.0.0' });
    const remote = `http://${network.hostAddress}:${portOf((await started(open)).http)}`;
    expect((await fromOtherHost('GET', `${remote}/api/v1/clients`)).status).toBe(200);
    const kick = await fromOtherHost('DELETE', `${remote}/api/v1/clients/someone`);
    expect(kick.status).toBe(403);
    expect(JSON.parse(kick.body)).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('without an API token only loopback may ask; set auth.apiToken (MESHMQ_API_TOKEN)') as unknown as string } });
    expect((await fromOtherHost('POST', `${remote}/api/v1/drain`)).status).toBe(403);
    expect((await fromOtherHost('POST', `${remote}/api/v1/cluster/nodes/gone/forget`)).status).toBe(403);
    // The same change from the broker's own host is taken (404: no such client; it was asked): over
    // loopback, and to an address of this host that is not loopback (meshmq ctl beside a broker bound to its pod IP).
    expect((await httpRequest(`http://127.0.0.1:${portOf(remote)}/api/v1/clients/someone`, { method: 'DELETE' })).status).toBe(404);
    expect((await httpRequest(`${remote}/api/v1/clients/someone`, { method: 'DELETE' })).status).toBe(404);

    // With a token (the operator always sets one) another host may change it, with the token.
    const token = 'k'.repeat(32);
    const guarded = meshmq([], { MESHMQ_BIND: '0.0.0.0', MESHMQ_API_TOKEN: token });
    const guardedUrl = `http://${network.hostAddress}:${portOf((await started(guarded)).http)}`;
    expect((await fromOtherHost('DELETE', `${guardedUrl}/api/v1/clients/someone`)).status).toBe(401);
    expect((await fromOtherHost('DELETE', `${guardedUrl}/api/v1/clients/someone`, token)).status).toBe(404);
  }, 60000);
});

describe('configurations that would surprise', () => {
  it('refuses allowAnonymous=false without a users file (it would refuse every client), saying what to set', async () => {
    const child = meshmq([], { MESHMQ_ALLOW_ANONYMOUS: 'false' });
    expect((await child.exited).code).toBe(2);
    expect(child.output()).toContain('auth.allowAnonymous=false (MESHMQ_ALLOW_ANONYMOUS) with no users file would refuse every client: set auth.usersFile or MESHMQ_USERS_FILE');
  });

  it('spells booleans one way, true or false, and says so', async () => {
    for (const word of ['yes', '1', 'on']) {
      const child = meshmq([], { MESHMQ_WS_ENABLED: word });
      expect((await child.exited).code).toBe(2);
      expect(child.output()).toContain(`MESHMQ_WS_ENABLED=${word}: listeners.ws.enabled must be true or false`);
    }
    const off = meshmq([], { MESHMQ_WS_ENABLED: 'false' });
    expect(await started(off)).not.toHaveProperty('ws');
  });

  it('warns of an unknown MESHMQ_* variable with the nearest known name and where to find them all', async () => {
    const child = meshmq([], { MESHMQ_MQTT_PROT: '1884' });
    await started(child);
    expect(child.output()).toContain('unknown environment variable MESHMQ_MQTT_PROT ignored: did you mean MESHMQ_MQTT_PORT? (`meshmq --help` lists every variable)');
  });
});

describe('a WebSocket client on the wrong path', () => {
  it('is told the path is /mqtt', async () => {
    const child = meshmq([]);
    const { ws } = await started(child);
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`ws://${ws}/`, 'mqtt');
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      socket.once('open', () => reject(new Error('upgraded on /')));
      socket.once('error', () => undefined);
    });
    expect(refused.status).toBe(404);
    expect(refused.body).toContain('MQTT over WebSocket is served at /mqtt, not "/"');
  });
});

describe('help', () => {
  it('lists every variable with its key, what it accepts and its default', async () => {
    const { stdout } = await run(process.execPath, [main, '--help']);
    expect(stdout).not.toContain('listed below with --help');
    for (const row of CONFIG_ENV_VARS) expect(stdout).toMatch(new RegExp(`^ {2}${row.variable} .*\\n {4,}${row.key.replace(/\./g, '\\.')}: .+; default .+$`, 'm'));
    expect(stdout).toMatch(/^ +sys\.intervalMs: an integer >= 0; default 10000$/m);
    expect(stdout).toMatch(/^ +log\.level: one of debug, info, warn, error; default info$/m);
    expect(stdout).toMatch(/^ +auth\.allowAnonymous: true or false; default true$/m);
  });

  it('answers `meshmq passwd --help` and `meshmq ctl --help` with their usage, exit 0', async () => {
    const passwd = await run(process.execPath, [main, 'passwd', '--help']);
    expect(passwd.stdout).toMatch(/^usage: meshmq passwd/);
    const ctl = await run(process.execPath, [main, 'ctl', '--help']);
    expect(ctl.stdout).toMatch(/^usage: meshmq ctl/);
    expect(ctl.stdout).toContain('Exit codes:');
  });
});

describe('/api/v1/cluster and /api/v1/routes on a node that is not clustered', () => {
  it('answer with a one-node view and its own routes', async () => {
    const child = meshmq([], { MESHMQ_NODE_NAME: 'alone' });
    const { http } = await started(child);
    const view = await httpRequest(`http://${http}/api/v1/cluster`);
    expect(view.status).toBe(200);
    expect(JSON.parse(view.body)).toMatchObject({ node: 'alone', clustered: false, nodes: [{ node: 'alone', self: true, state: 'up' }] });
    const routes = await httpRequest(`http://${http}/api/v1/routes`);
    expect(routes.status).toBe(200);
    expect(JSON.parse(routes.body)).toMatchObject({ routes: [], total: 0 });
  });
});
