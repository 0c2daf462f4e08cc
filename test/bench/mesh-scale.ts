// The mesh's scale on this machine (issue 12): N broker processes, each on its own 127.0.10.x
// address, meshed by static seeds: time from start to a full mesh, time for S new subscriptions
// on every node to reach every other, and CPU and memory of the idle cluster before and after.
// Run: npm run build && node dist/test/bench/mesh-scale.js [--nodes 10,30] [--subs 10000] [--idle 10] [--cpu-prof DIR]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePorts } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { buildMeshmqBenchConfig } from './meshmq-target.js';
import { PinnedProcess, waitForPort } from './pinned-process.js';
import { readCpuSeconds, readRssBytes, sumOver } from './process-stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.resolve(here, '../../broker/main.js');
const COOKIE = 'mesh-scale-cookie-0123456789abcdef';
/** Filters per SUBSCRIBE packet. */
const PER_PACKET = 100;

export interface MeshScaleResult {
  readonly nodes: number;
  readonly fullMeshSeconds: number;
  readonly joinedSeconds: number;
  readonly idle: IdleFigures;
  readonly subscriptions: number;
  readonly subackSeconds: number;
  readonly routesEverywhereSeconds: number;
  readonly idleWithRoutes: IdleFigures;
}

interface IdleFigures { readonly cpuPercentTotal: number; readonly cpuPercentPerNode: number; readonly rssMiBTotal: number; readonly rssMiBPerNode: number }

const hostOf = (i: number): string => `127.0.10.${10 + i}`;

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** Peers this node sees up (itself excluded); 0 when it does not answer yet. */
async function peersUp(host: string, httpPort: number): Promise<number> {
  try {
    const view = await getJson(`http://${host}:${httpPort}/api/v1/cluster`) as { nodes: Array<{ state: string; self: boolean }> };
    return view.nodes.filter((n) => !n.self && n.state === 'up').length;
  } catch {
    return 0;
  }
}

async function isReady(host: string, httpPort: number): Promise<boolean> {
  try {
    return (await fetch(`http://${host}:${httpPort}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

/** Distinct filters in the node's replicated route table. */
async function routeFilters(host: string, httpPort: number): Promise<number> {
  const body = await getJson(`http://${host}:${httpPort}/api/v1/routes?limit=1`) as { total: number };
  return body.total;
}

/** CPU and RSS of `pids` over `seconds` of doing nothing but being a cluster (heartbeats, anti-entropy). */
async function measureIdle(pids: readonly number[], seconds: number): Promise<IdleFigures> {
  const cpu0 = await sumOver(pids, readCpuSeconds);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu1 = await sumOver(pids, readCpuSeconds);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = await sumOver(pids, readRssBytes);
  const cpuPercentTotal = (100 * (cpu1 - cpu0)) / wall;
  return { cpuPercentTotal, cpuPercentPerNode: cpuPercentTotal / pids.length, rssMiBTotal: rss / 2 ** 20, rssMiBPerNode: rss / 2 ** 20 / pids.length };
}

/**
 * Waits at least 12 s, then until the cluster's CPU rate stops falling (two 2 s windows within 25%
 * of each other; 40 s at most): after a burst V8 collects its garbage only once its memory reducer
 * sees the process idle (~8 s), which would otherwise be counted as the idle cost. Returns the seconds waited.
 */
async function settle(pids: readonly number[]): Promise<number> {
  const t0 = Date.now();
  const rate = async (): Promise<number> => {
    const a = await sumOver(pids, readCpuSeconds);
    await new Promise((r) => setTimeout(r, 2000));
    return (await sumOver(pids, readCpuSeconds)) - a;
  };
  let last = await rate();
  while (Date.now() - t0 < 40000) {
    const next = await rate();
    if (next >= last * 0.75 && Date.now() - t0 >= 12000) break;
    last = next;
  }
  return (Date.now() - t0) / 1000;
}

/** Subscribes `count` distinct filters on one node in packets of PER_PACKET; resolves on the last SUBACK. */
async function subscribeMany(host: string, port: number, node: number, count: number): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync({ host, port, clientId: `scale-${node}`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30000 });
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i += PER_PACKET) {
    const filters: Record<string, { qos: 0 }> = {};
    for (let k = i; k < Math.min(count, i + PER_PACKET); k++) filters[`scale/n${node}/s${k}/+/state`] = { qos: 0 };
    pending.push(client.subscribeAsync(filters));
  }
  await Promise.all(pending);
  return client;
}

export async function runMeshScale(nodes: number, subscriptions: number, idleSeconds: number, log: (line: string) => void, cpuProfileDir?: string): Promise<MeshScaleResult> {
  const [mqttPort, httpPort, clusterPort] = await freePorts(3, hostOf(0)) as [number, number, number];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshmq-mesh-scale-'));
  const configFile = path.join(dir, 'meshmq.json');
  await writeFile(configFile, JSON.stringify(buildMeshmqBenchConfig(mqttPort, httpPort)));
  const seeds = Array.from({ length: nodes }, (_, i) => `${hostOf(i)}:${clusterPort}`).join(',');
  const hosts = Array.from({ length: nodes }, (_, i) => hostOf(i));
  const t0 = Date.now();
  const procs = hosts.map((host, i) => new PinnedProcess({
    name: `scale-${i}`, command: process.execPath, args: [...(cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]), MAIN], cpus: undefined,
    env: {
      ...process.env, MESHMQ_CONFIG: configFile, MESHMQ_BIND: host, MESHMQ_MQTT_PORT: String(mqttPort), MESHMQ_HTTP_PORT: String(httpPort),
      MESHMQ_CLUSTER_PORT: String(clusterPort), MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: seeds,
      MESHMQ_CLUSTER_COOKIE: COOKIE, MESHMQ_LOG_LEVEL: 'warn', MESHMQ_NODE_NAME: `scale-${i}`,
    },
  }));
  const clients: mqtt.MqttClient[] = [];
  try {
    await Promise.all(procs.map((p, i) => waitForPort({ host: hosts[i]!, port: mqttPort }, p, 120000)));
    await waitFor(async () => (await Promise.all(hosts.map((h) => peersUp(h, httpPort)))).every((n) => n === nodes - 1), { what: `a full mesh of ${nodes} nodes`, timeoutMs: 180000, intervalMs: 100 });
    const fullMeshSeconds = (Date.now() - t0) / 1000;
    await waitFor(async () => (await Promise.all(hosts.map((h) => isReady(h, httpPort)))).every(Boolean), { what: `${nodes} nodes joined`, timeoutMs: 180000, intervalMs: 100 });
    const joinedSeconds = (Date.now() - t0) / 1000;
    log(`${nodes} nodes: full mesh ${fullMeshSeconds.toFixed(1)} s after start, all joined ${joinedSeconds.toFixed(1)} s`);
    const pids = procs.map((p) => p.pid);
    await settle(pids);
    const idle = await measureIdle(pids, idleSeconds);
    log(`${nodes} nodes idle: ${idle.cpuPercentTotal.toFixed(1)}% CPU in all (${idle.cpuPercentPerNode.toFixed(2)}% per node), RSS ${idle.rssMiBTotal.toFixed(0)} MiB (${idle.rssMiBPerNode.toFixed(1)} per node)`);
    const before = await routeFilters(hosts[0]!, httpPort);
    const expected = before + nodes * subscriptions;
    const s0 = Date.now();
    let subackAt = 0;
    const subscribed = Promise.all(hosts.map((h, i) => subscribeMany(h, mqttPort, i, subscriptions))).then((c) => { subackAt = Date.now(); clients.push(...c); });
    subscribed.catch(() => undefined); // awaited below; a failure surfaces there
    await waitFor(async () => (await Promise.all(hosts.map((h) => routeFilters(h, httpPort)))).every((n) => n >= expected), { what: `${nodes * subscriptions} routes on every node`, timeoutMs: 300000, intervalMs: 100 });
    const routesEverywhereSeconds = (Date.now() - s0) / 1000;
    await subscribed;
    const subackSeconds = (subackAt - s0) / 1000;
    log(`${nodes} x ${subscriptions} subscriptions: every SUBACK after ${subackSeconds.toFixed(1)} s, every route on every node after ${routesEverywhereSeconds.toFixed(1)} s`);
    const settled = await settle(pids);
    const idleWithRoutes = await measureIdle(pids, idleSeconds);
    log(`${nodes} nodes idle with ${nodes * subscriptions} routes (after ${settled.toFixed(0)} s to settle): ${idleWithRoutes.cpuPercentTotal.toFixed(1)}% CPU in all, RSS ${idleWithRoutes.rssMiBTotal.toFixed(0)} MiB (${idleWithRoutes.rssMiBPerNode.toFixed(1)} per node)`);
    return { nodes, fullMeshSeconds, joinedSeconds, idle, subscriptions, subackSeconds, routesEverywhereSeconds, idleWithRoutes };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await Promise.all(procs.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: readonly string[]): { nodes: number[]; subs: number; idle: number; cpuProf: string | undefined } {
  const out: { nodes: number[]; subs: number; idle: number; cpuProf: string | undefined } = { nodes: [10, 30], subs: 10000, idle: 10, cpuProf: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--nodes') out.nodes = value.split(',').map(Number);
    else if (flag === '--subs') out.subs = Number(value);
    else if (flag === '--idle') out.idle = Number(value);
    else if (flag === '--cpu-prof') out.cpuProf = value;
    else throw new Error(`unknown flag ${flag}; allowed: --nodes, --subs, --idle, --cpu-prof`);
  }
  if (out.nodes.some((n) => !Number.isInteger(n) || n < 2 || n > 200)) throw new Error('--nodes: integers from 2 to 200');
  if (!Number.isInteger(out.subs) || out.subs < 0 || out.subs > 100000) throw new Error('--subs: an integer from 0 to 100000');
  if (!(out.idle >= 1 && out.idle <= 60)) throw new Error('--idle: seconds from 1 to 60');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string): void => { process.stdout.write(`${line}\n`); };
  log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results: MeshScaleResult[] = [];
  for (const n of args.nodes) results.push(await runMeshScale(n, args.subs, args.idle, log, args.cpuProf));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
