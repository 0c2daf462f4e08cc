// Route-table scale bench with the owner and the joiner as separate processes (issue 12): the owner
// holds N routes (default 10,000,000), a joiner fetches them by snapshot over loopback. Reports heap
// per route on both, the snapshot time, the longest event-loop stall on each side during it (the
// heartbeats must keep flowing), whether the link stayed the same, and trie match µs on the joiner.
// Run: npm run build && node dist/test/bench/route-snapshot-processes.js [routes] [heapMiB]
import { fork, type ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../../broker/config/schema.js';
import { silentLogger } from '../../broker/contract/logger.js';
import { createBrokerMetrics } from '../../broker/metrics/broker-metrics.js';
import { ClusterNode } from '../../broker/cluster/cluster-node.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const COOKIE = 'bench-cookie-0123456789abcdef';
const OWNER_HOST = '127.0.3.94';
const JOINER_HOST = '127.0.3.95';
/** Routes added per event-loop turn on the owner (so its heartbeats flow while it fills up). */
const ADD_BATCH = 20_000;
const BENCH_TIMEOUT_MS = 600_000;

type Report = Record<string, number | string | boolean>;

function config(name: string, host: string, port: number, seeds: string[]): Config {
  return { ...configSchema.parse({ nodeName: name, bind: host, cluster: { discovery: 'static', port, seeds, cookie: COOKIE } }), nodeName: name };
}

async function start(name: string, host: string, port: number, seeds: string[]): Promise<ClusterNode> {
  return ClusterNode.start({ config: config(name, host, port, seeds), logger: silentLogger, metrics: createBrokerMetrics({ defaultMetrics: false }), now: Date.now, onMessage: () => undefined });
}

function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export function routeFilter(i: number): string { return `devices/${i % 1000}/sensor-${i}/+/state`; }

/** The longest gap between 10 ms ticks, in ms, since the last read. */
function stallMeter(): { read: () => number; stop: () => void } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  return { read: () => { const w = worst; worst = 0; return w; }, stop: () => clearInterval(timer) };
}

function send(message: Report): void { process.send!(message); }

async function nextMessage(child: ChildProcess): Promise<Report> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`bench child exited with ${code} before reporting`));
    child.once('exit', onExit);
    child.once('message', (m) => { child.off('exit', onExit); resolve(m as Report); });
  });
}

async function runOwner(routes: number, port: number): Promise<void> {
  const node = await start('owner', OWNER_HOST, port, []);
  const before = settledHeap();
  const t0 = performance.now();
  for (let i = 0; i < routes; i += ADD_BATCH) {
    const end = Math.min(routes, i + ADD_BATCH);
    for (let j = i; j < end; j++) node.router.filterAdded(routeFilter(j));
    await new Promise((r) => setImmediate(r));
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  const bytesPerRoute = (settledHeap() - before) / routes;
  const stalls = stallMeter();
  send({ role: 'owner', fillSeconds, bytesPerRoute, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
  await waitFor(() => node.peerConnection('joiner') !== undefined, { timeoutMs: BENCH_TIMEOUT_MS, intervalMs: 5, what: 'the joiner to connect' });
  const conn = node.peerConnection('joiner');
  stalls.read();
  await waitFor(() => node.routeSync.snapshotsSent >= 1, { timeoutMs: BENCH_TIMEOUT_MS, intervalMs: 5, what: 'the snapshot to be sent' });
  send({ role: 'owner', stallMs: stalls.read(), sameLink: node.peerConnection('joiner') === conn });
  stalls.stop();
  await new Promise((r) => process.once('message', r));
  await node.close();
}

async function runJoiner(routes: number, port: number): Promise<void> {
  const before = settledHeap();
  const stalls = stallMeter();
  const t0 = performance.now();
  const node = await start('joiner', JOINER_HOST, await freePort(JOINER_HOST), [`${OWNER_HOST}:${port}`]);
  await waitFor(() => node.peerConnection('owner') !== undefined, { timeoutMs: 30_000, intervalMs: 1, what: 'the link to the owner' });
  const conn = node.peerConnection('owner');
  stalls.read();
  await waitFor(() => node.routes.routeCountOf('owner') === routes && node.routeSync.isSynced('owner'), { timeoutMs: BENCH_TIMEOUT_MS, intervalMs: 5, what: 'the snapshot' });
  const seconds = (performance.now() - t0) / 1000;
  const stallMs = stalls.read();
  stalls.stop();
  const sameLink = node.peerConnection('owner') === conn;
  const bytesPerRoute = (settledHeap() - before) / routes;
  // Matching against the whole table: a hit (one route) and a miss per topic, as a publish would.
  let visits = 0;
  const visit = (): void => { visits++; };
  const probes = 200_000;
  const topics: string[] = [];
  for (let i = 0; i < probes; i++) {
    const r = Math.floor(Math.random() * routes);
    topics.push(i % 2 === 0 ? `devices/${r % 1000}/sensor-${r}/x/state` : `devices/${r % 1000}/other-${r}/x/state`);
  }
  const m0 = performance.now();
  for (const topic of topics) node.routes.match(topic, visit);
  const matchUs = ((performance.now() - m0) * 1000) / probes;
  send({ role: 'joiner', seconds, bytesPerRoute, stallMs, sameLink, matchUs, hits: visits, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
  await node.close();
}

async function main(routes: number, heapMiB: number): Promise<void> {
  const port = await freePort(OWNER_HOST);
  const file = fileURLToPath(import.meta.url);
  const execArgv = [`--max-old-space-size=${heapMiB}`];
  const owner = fork(file, ['owner', String(routes), String(port)], { execArgv });
  const ownerExited = new Promise((r) => owner.once('exit', r));
  const killer = setTimeout(() => { owner.kill(); }, BENCH_TIMEOUT_MS);
  try {
    const filled = await nextMessage(owner);
    process.stdout.write(`owner: ${routes} routes added in ${Number(filled.fillSeconds).toFixed(1)} s; ${Number(filled.bytesPerRoute).toFixed(0)} B of heap per route (${Number(filled.heapMiB).toFixed(0)} MiB used)\n`);
    const joiner = fork(file, ['joiner', String(routes), String(port)], { execArgv });
    const joinerExited = new Promise((r) => joiner.once('exit', r));
    try {
      const [sent, got] = await Promise.all([nextMessage(owner), nextMessage(joiner)]);
      process.stdout.write(`joiner: snapshot of ${routes} routes in ${Number(got.seconds).toFixed(2)} s (${((Number(got.seconds) * 1e6) / routes).toFixed(2)} µs/route); ` +
        `${Number(got.bytesPerRoute).toFixed(0)} B of heap per remote route (${Number(got.heapMiB).toFixed(0)} MiB used)\n`);
      process.stdout.write(`longest event-loop stall during the snapshot: owner ${Number(sent.stallMs).toFixed(0)} ms, joiner ${Number(got.stallMs).toFixed(0)} ms; ` +
        `link kept: owner ${String(sent.sameLink)}, joiner ${String(got.sameLink)}\n`);
      process.stdout.write(`match on the joiner's ${routes}-route table: ${Number(got.matchUs).toFixed(2)} µs per topic (${String(got.hits)} hits of ${routes >= 1 ? 100_000 : 0} expected)\n`);
      owner.send({ done: true });
      await Promise.all([ownerExited, joinerExited]);
    } finally {
      joiner.kill();
    }
  } finally {
    clearTimeout(killer);
    owner.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [role, a, b] = process.argv.slice(2);
  if (role === 'owner') await runOwner(Number(a), Number(b));
  else if (role === 'joiner') await runJoiner(Number(a), Number(b));
  else await main(Number(role ?? 10_000_000), Number(a ?? 6144));
  process.exit(0);
}
