// `meshmq ctl` as an operator uses it on real broker processes: a cluster formed by hand (manual
// discovery: join, leave, join again), its status as a table and as JSON, clients listed, shown and
// kicked (a real MQTT 5 client sees 0x98), a dead node forgotten, a drain waited for, and the exit
// codes a script tests (0 done, 1 refused, 2 usage, 3 no answer, 4 not authorized, 5 no such thing).
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import mqtt from 'mqtt';
import { clusterViewSchema } from '../../broker/contract/cluster-view.js';
import { startMeshmq, repoRoot, type BrokerHandle } from '../support/broker-process.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import path from 'node:path';

const main = path.join(repoRoot(), 'dist', 'broker', 'main.js');
const COOKIE = 'ctl-test-cookie-0123456789abcdef';
const TOKEN = 'ctl-test-token-0123456789abcdef';
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); }, 30000);

interface CtlResult { code: number; stdout: string; stderr: string }

/** Runs `meshmq ctl ARGS` against `node` (its URL and token as a person would pass them). */
async function ctl(node: BrokerHandle | string, args: string[], env: Record<string, string> = {}): Promise<CtlResult> {
  const url = typeof node === 'string' ? node : node.httpUrl;
  return await new Promise((resolve) => {
    execFile(process.execPath, [main, 'ctl', '--url', url, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MESHMQ_API_TOKEN: TOKEN, ...env }, timeout: 30000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }));
  });
}

async function manualNode(name: string): Promise<BrokerHandle> {
  const node = await startMeshmq({
    name, readyTimeoutMs: 20000,
    env: {
      MESHMQ_CLUSTER_DISCOVERY: 'manual', MESHMQ_CLUSTER_COOKIE: COOKIE, MESHMQ_API_TOKEN: TOKEN, MESHMQ_SYS_INTERVAL_MS: '0', MESHMQ_WS_ENABLED: 'false',
      MESHMQ_CLUSTER_HEARTBEAT_MS: '100', MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '600', MESHMQ_CLUSTER_DOWN_AFTER_MS: '1500', MESHMQ_DRAIN_TIMEOUT_MS: '10000',
    },
  });
  cleanups.push(() => node.kill());
  return node;
}

const meshAddress = (node: BrokerHandle): string => `127.0.0.1:${node.ports.cluster}`;

/** The node's view, straight from the API (waits poll it; spawning ctl for each poll is slow). */
async function view(node: BrokerHandle) {
  const res = await fetch(`${node.httpUrl}/api/v1/cluster`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return clusterViewSchema.parse(await res.json());
}

/** The names `node` sees in each state, e.g. { up: ['a', 'b'] }. */
async function states(node: BrokerHandle): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const n of (await view(node)).nodes) (out[n.state] ??= []).push(n.node);
  for (const names of Object.values(out)) names.sort();
  return out;
}

function columnsAligned(table: string): void {
  const [header, ...rows] = table.split('\n');
  const starts = [...(header ?? '').matchAll(/\S+/g)].map((m) => m.index);
  for (const row of rows) for (const start of starts.slice(1)) expect(row[start - 1]).toBe(' ');
}

describe('meshmq ctl on a cluster formed by hand', () => {
  let a: BrokerHandle;
  let b: BrokerHandle;
  let c: BrokerHandle;

  it('joins three nodes with `cluster join` and shows the cluster as an aligned table and as JSON', async () => {
    [a, b, c] = await Promise.all([manualNode('ctl-a'), manualNode('ctl-b'), manualNode('ctl-c')]);
    expect(await states(a)).toEqual({ up: ['ctl-a'] });
    // --json prints the API's own answer.
    const json = await ctl(a, ['cluster', 'status', '--json']);
    expect(clusterViewSchema.parse(JSON.parse(json.stdout))).toMatchObject({ node: 'ctl-a', clustered: true, nodes: [{ node: 'ctl-a', self: true }] });
    const joined = await ctl(a, ['cluster', 'join', meshAddress(b)]);
    expect(joined).toMatchObject({ code: 0 });
    expect(joined.stdout).toContain(`ctl-a joined ctl-b at ${meshAddress(b)}`);
    // c joins through a only, and meets b through a's members.
    expect((await ctl(c, ['cluster', 'join', meshAddress(a)])).code).toBe(0);
    for (const node of [a, b, c]) {
      await waitFor(async () => (await states(node)).up?.length === 3, { what: `${node.name} sees three nodes up`, timeoutMs: 15000, intervalMs: 100 });
    }
    const table = await ctl(b, ['cluster', 'status']);
    expect(table.code).toBe(0);
    const [summary, ...lines] = table.stdout.trim().split('\n');
    expect(summary).toBe('cluster as ctl-b sees it (* marks it): 3 nodes, 3 up, 0 suspect, 0 down');
    expect(lines[0]).toMatch(/^NODE +STATE +SINCE +JOINED +DRAINING +SESSIONS +ADDRESS +INCARNATION$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual([['ctl-a', 'up'], ['ctl-b*', 'up'], ['ctl-c', 'up']]);
    columnsAligned(lines.join('\n'));
    // Joining one's own address is refused (1), a malformed address is a usage error (2).
    expect((await ctl(a, ['cluster', 'join', meshAddress(a)])).code).toBe(1);
    const usage = await ctl(a, ['cluster', 'join', 'nohost']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('"nohost" is not HOST:PORT');
  }, 60000);

  it('lists, shows and kicks a client (an MQTT 5 client sees DISCONNECT 0x98), and says 5 for a client that is not there', async () => {
    const client = await mqtt.connectAsync(a.mqttUrl, { protocolVersion: 5, clientId: 'ctl-device-1', reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    await client.subscribeAsync('ctl/devices/#', { qos: 1 });
    const list = await ctl(a, ['clients', 'list']);
    expect(list.code).toBe(0);
    const [header, row, count] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^CLIENT ID +USER +MQTT +LISTENER +REMOTE +CONNECTED +KEEPALIVE +SUBS +INFLIGHT +QUEUED$/);
    expect(row).toMatch(/^ctl-device-1 +- +5 +mqtt +127\.0\.0\.1 +\S+ +60 +1 +0 +0$/);
    expect(count).toBe('1 client');
    const shown = await ctl(a, ['clients', 'show', 'ctl-device-1']);
    expect(shown.stdout).toMatch(/^client id +ctl-device-1$/m);
    expect(shown.stdout).toMatch(/^subscriptions +1$/m);
    // The route is replicated: b lists the filter as a's.
    await waitFor(async () => JSON.stringify(await (await fetch(`${b.httpUrl}/api/v1/routes`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).includes('ctl/devices/#'),
      { what: 'the route on b', timeoutMs: 10000, intervalMs: 100 });
    expect((await ctl(b, ['routes', 'list'])).stdout).toMatch(/^ctl\/devices\/# +ctl-a$/m);

    const disconnected = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
    const kick = await ctl(a, ['clients', 'kick', 'ctl-device-1']);
    expect(kick).toMatchObject({ code: 0 });
    expect(kick.stdout).toContain('kicked ctl-device-1');
    expect(await disconnected).toBe(0x98);
    const again = await ctl(a, ['clients', 'kick', 'ctl-device-1']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('no client "ctl-device-1"');
    expect((await ctl(a, ['clients', 'show', 'nobody'])).code).toBe(5);
  }, 30000);

  it('leaves with `cluster leave` (the others drop it) and comes back with `cluster join`', async () => {
    const left = await ctl(c, ['cluster', 'leave']);
    expect(left.code).toBe(0);
    expect(left.stdout).toContain('ctl-c left the cluster (told ctl-a, ctl-b)');
    for (const node of [a, b]) {
      await waitFor(async () => JSON.stringify(await states(node)) === JSON.stringify({ up: ['ctl-a', 'ctl-b'] }),
        { what: `${node.name} drops ctl-c`, timeoutMs: 10000, intervalMs: 100 });
    }
    expect(await states(c)).toEqual({ up: ['ctl-c'] });
    expect((await ctl(c, ['cluster', 'join', meshAddress(b)])).code).toBe(0);
    await waitFor(async () => (await states(a)).up?.length === 3, { what: 'ctl-a sees ctl-c again', timeoutMs: 15000, intervalMs: 100 });
  }, 40000);

  it('forgets a node that died (`cluster forget`), refuses to forget one that is up (1) and says 5 for one it never knew', async () => {
    expect((await ctl(a, ['cluster', 'forget', 'ctl-b'])).code).toBe(1);
    expect((await ctl(a, ['cluster', 'forget', 'ctl-nobody'])).code).toBe(5);
    await c.kill();
    await waitFor(async () => (await states(a)).down?.includes('ctl-c') === true, { what: 'ctl-a sees ctl-c down', timeoutMs: 15000, intervalMs: 100 });
    const forgot = await ctl(a, ['cluster', 'forget', 'ctl-c']);
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toContain('forgot ctl-c');
    expect((await states(a)).down).toBeUndefined();
  }, 40000);

  it('drains a node, waiting until its persistent session is with the other node, then reports it not ready (exit 1)', async () => {
    const persistent = await mqtt.connectAsync(a.mqttUrl, {
      protocolVersion: 5, clientId: 'ctl-persistent', clean: false, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 0,
    });
    cleanups.push(() => persistent.endAsync(true));
    await persistent.subscribeAsync('ctl/kept', { qos: 1 });
    const drained = await ctl(a, ['drain']);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/^state +drained: 1 of 1 sessions handed over, 0 failed, 0 clients still connected$/m);
    const status = await ctl(a, ['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^ready +no: drained/m);
    // b holds the session now: it lists it among its own.
    await waitFor(async () => (await view(b)).nodes.find((n) => n.self)?.sessions === 1, { what: 'ctl-b holds the session', timeoutMs: 10000, intervalMs: 100 });
  }, 40000);
});

describe('meshmq ctl exit codes', () => {
  it('2 for usage, 3 when nothing answers, 4 without the right token', async () => {
    const port = await freePort();
    const unknown = await ctl(`http://127.0.0.1:${port}`, ['clients', 'dance']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "clients dance"; clients takes list, show, kick');
    const nobody = await ctl(`http://127.0.0.1:${port}`, ['status']);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toContain(`no answer from http://127.0.0.1:${port}`);
    const node = await startMeshmq({ name: 'ctl-token', env: { MESHMQ_API_TOKEN: TOKEN, MESHMQ_SYS_INTERVAL_MS: '0' } });
    cleanups.push(() => node.kill());
    const wrong = await ctl(node, ['clients', 'list'], { MESHMQ_API_TOKEN: 'not-the-token' });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('pass the broker\'s API token with --token or MESHMQ_API_TOKEN');
    const single = await ctl(node, ['status']);
    expect(single.code).toBe(0);
    expect(single.stdout).toMatch(/^clustered +no \(a single node\)$/m);
  }, 30000);
});
