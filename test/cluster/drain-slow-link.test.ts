// A drain where the link from the publisher's node to the drained node is slow (root: network
// namespaces, the link shaped with tc htb), so forwards to the drained node are still on their way
// when the new owner, over fast links, confirms its routes. The drained node must relay those too:
// its relay ends only after its own route barrier, whose answer comes behind them on that link.
// SIGTERM the moment it says drained; every acknowledged QoS 1 message must arrive.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect } from '@jest/globals';
import { createAdminClient } from '../../broker/contract/admin-client.js';
import { clusterViewSchema } from '../../broker/contract/cluster-view.js';
import { NetnsNetwork } from '../kube/network/netns-network.js';
import { repoRoot } from '../support/broker-process.js';
import { httpJson } from '../support/http-client.js';
import { TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { hasCommand, isRoot, itRequiring } from '../support/requirements.js';
import { SpawnedProcess } from '../support/spawned-process.js';
import { waitFor } from '../support/wait.js';
import { TEST_COOKIE } from './cluster-harness.js';
import { countByPayload, startPublishing } from './publish-load.js';

const run = promisify(execFile);
const names = ['sl-a', 'sl-b', 'sl-c'] as const;
const [A, B, C] = [0, 1, 2] as const;
const SUBSCRIBERS = 4;
/** A → C only: a window of 2 KiB forwards takes a few hundred ms to cross it, control frames to B none. */
const SLOW_RATE = '500kbit';
const itRoot = itRequiring(isRoot(), hasCommand('tc', ['-V']));
/** The test host is another host to the brokers in their namespaces: drain needs the API token. */
const API_TOKEN = 'drain-slow-link-api-token-0123456789';
const opened: Array<() => Promise<unknown>> = [];
afterAll(async () => { for (const close of opened.reverse()) await close().catch(() => undefined); }, 30_000);

/** Shapes what `netns` sends to `ip` (its eth0) to `rate`; everything else leaves at once. */
async function slowTo(netns: string, ip: string, rate: string): Promise<void> {
  const tc = async (...args: string[]): Promise<void> => { await run('ip', ['netns', 'exec', netns, 'tc', ...args]); };
  await tc('qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '100000');
  await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
  await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', rate, 'ceil', rate);
  await tc('filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${ip}/32`, 'flowid', '1:20');
}

describe('drain over a slow link from the publisher\'s node', () => {
  itRoot('relays what was still on its way when the new owner confirmed; nothing acknowledged is lost', async () => {
    const network = await NetnsNetwork.start();
    opened.push(() => network.close());
    const pods = await Promise.all(names.map(async (n) => network.attach(n)));
    const ips = pods.map((p) => p.ip);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-slow-link-'));
    opened.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const main = path.join(repoRoot(), 'dist', 'broker', 'main.js');
    const nodes = names.map((name, i) => {
      const env = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, MESHMQ_NODE_NAME: name, MESHMQ_BIND: ips[i]!,
        MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: ips.map((ip) => `${ip}:4370`).join(','),
        // Heartbeats queue behind forwards on the slow link: longer silences than usual are not a failure.
        MESHMQ_CLUSTER_COOKIE: TEST_COOKIE, MESHMQ_CLUSTER_HEARTBEAT_MS: '100', MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '3000',
        MESHMQ_CLUSTER_DOWN_AFTER_MS: '6000', MESHMQ_SYS_INTERVAL_MS: '0', MESHMQ_WS_ENABLED: 'false',
        MESHMQ_DRAIN_TIMEOUT_MS: '10000', MESHMQ_MAX_QUEUED_MESSAGES: '20000', MESHMQ_API_TOKEN: API_TOKEN,
      };
      const child = new SpawnedProcess({ command: 'ip', args: network.wrapCommand(name, [process.execPath, main]).slice(1), env, cwd: dir, name });
      opened.push(() => child.kill());
      return child;
    });
    const mqttUrl = (i: number): string => `mqtt://${ips[i]}:1883`;
    const upEverywhere = async (): Promise<boolean> => {
      for (const i of [A, B, C]) {
        const view = clusterViewSchema.parse((await httpJson(`http://${ips[i]}:8081/api/v1/cluster`, { token: API_TOKEN })).json);
        if (view.nodes.filter((n) => n.state === 'up').length !== 3) return false;
      }
      return true;
    };
    await waitFor(() => upEverywhere().catch(() => false), { what: 'three nodes up', timeoutMs: 30_000, intervalMs: 100 });

    const subscribers: Array<{ options: TestClientOptions; connections: TestClient[] }> = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const options: TestClientOptions = { clientId: `sl-sub-${i}`, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 } };
      const c = await TestClient.connect(mqttUrl(C), options);
      await c.subscribe('sl/#', { qos: 1 });
      subscribers.push({ options, connections: [c] });
    }
    opened.push(async () => { for (const s of subscribers) for (const c of s.connections) await c.destroy(); });
    const netnsA = pods[A]!.netns;
    if (netnsA === undefined) throw new Error('sl-a has no network namespace');
    await slowTo(netnsA, ips[C]!, SLOW_RATE);
    const publisher = await TestClient.connect(mqttUrl(A), { protocolVersion: 5 });
    opened.push(() => publisher.destroy());
    const load = startPublishing(publisher, 'sl/t', { prefix: 'sl', count: 600, qos: 1, window: 32, padding: 2048, timeoutMs: 40_000 });
    const reconnected = Promise.all(subscribers.map(async (s) => {
      await s.connections[0]!.closed;
      const c = await TestClient.connect(mqttUrl(B), s.options);
      s.connections.push(c);
      return c.connack.sessionPresent;
    }));

    await waitFor(() => load.progress() >= 60, { what: 'publishing under way', timeoutMs: 20_000 });
    // Every session goes to B (A excluded, as a node also leaving would be): A's forwards for them
    // reach C over the slow link while B's confirmation reaches C over a fast one.
    const admin = createAdminClient({ baseUrl: `http://${ips[C]}:8081`, token: API_TOKEN });
    await admin.startDrain({ exclude: [names[A]] });
    await waitFor(async () => (await admin.drainStatus()).state === 'drained', { what: 'C drained', timeoutMs: 15_000, intervalMs: 10 });
    expect((await nodes[C]!.stop()).code).toBe(0);
    expect(await reconnected).toEqual(subscribers.map(() => true));
    await load.done;
    expect(load.acked.size + load.refused.length).toBe(600);

    const missing = (): Array<{ clientId: string; missing: string[] }> => subscribers.map((s) => {
      const got = countByPayload(s.connections.flatMap((c) => c.messages.history), 'sl');
      return { clientId: String(s.options.clientId), missing: [...load.acked].filter((p) => !got.has(p)) };
    }).filter((m) => m.missing.length > 0);
    await waitFor(() => missing().length === 0, { what: 'every subscriber to get every acknowledged message', timeoutMs: 20_000, intervalMs: 200 }).catch((err: unknown) => {
      throw new Error(`acknowledged messages lost:\n${missing().map((m) => `${m.clientId}: ${m.missing.length} missing (${m.missing.slice(0, 8).join(', ')})`).join('\n')}`, { cause: err });
    });
    process.stderr.write(`drain-slow-link: ${load.acked.size} acknowledged, ${load.refused.length} refused, all received by ${SUBSCRIBERS} subscribers\n`);
  }, 120_000);
});
