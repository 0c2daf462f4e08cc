// Cluster micro-benchmarks on loopback, in one process: (1) a node joining a cluster whose
// other node owns N routes (default 1,000,000): time until it holds them all, and memory per
// route; (2) forward throughput of one node to another with 64-byte QoS 0 and QoS 1 payloads.
// Run: npx tsc -p tsconfig.build.json && node --expose-gc dist/test/bench/cluster-routes.js [routes]
import { configSchema, type Config } from '../../broker/config/schema.js';
import { silentLogger } from '../../broker/contract/logger.js';
import { createBrokerMetrics } from '../../broker/metrics/broker-metrics.js';
import { createMessage } from '../../broker/routing/message.js';
import { ClusterNode } from '../../broker/cluster/cluster-node.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const COOKIE = 'bench-cookie-0123456789abcdef';

function config(name: string, host: string, port: number, seeds: string[]): Config {
  return { ...configSchema.parse({ nodeName: name, bind: host, cluster: { discovery: 'static', port, seeds, cookie: COOKIE } }), nodeName: name };
}

async function start(name: string, host: string, port: number, seeds: string[], onMessage: () => undefined = () => undefined): Promise<ClusterNode> {
  return ClusterNode.start({ config: config(name, host, port, seeds), logger: silentLogger, metrics: createBrokerMetrics({ defaultMetrics: false }), now: Date.now, onMessage });
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export async function benchRouteSnapshot(routes: number): Promise<{ routes: number; seconds: number; bytesPerRoute: number }> {
  const port = await freePort('127.0.3.90');
  const owner = await start('owner', '127.0.3.90', port, []);
  const before = heapUsed();
  for (let i = 0; i < routes; i++) owner.router.filterAdded(`devices/${i % 1000}/sensor-${i}/+/state`);
  // The turn's route deltas ('+filter' strings, one per route) are held until its end: measure the table, not them.
  await new Promise((resolve) => setImmediate(resolve));
  const bytesPerRoute = (heapUsed() - before) / routes;
  const t0 = process.hrtime.bigint();
  const joiner = await start('joiner', '127.0.3.91', port, [`127.0.3.90:${port}`]);
  await waitFor(() => joiner.routes.routeCountOf('owner') === routes, { timeoutMs: 120000, intervalMs: 5, what: 'snapshot' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await joiner.close();
  await owner.close();
  return { routes, seconds, bytesPerRoute };
}

export async function benchForward(qos: 0 | 1, count: number): Promise<{ qos: number; messages: number; perSecond: number }> {
  const port = await freePort('127.0.3.92');
  let received = 0;
  const a = await start('a', '127.0.3.92', port, []);
  const b = await start('b', '127.0.3.93', port, [`127.0.3.92:${port}`], () => { received++; });
  b.router.filterAdded('bench/+');
  await waitFor(() => a.routes.routeCountOf('b') === 1, { what: 'route' });
  const payload = Buffer.alloc(64, 7);
  const conn = a.peerConnection('b')!;
  const t0 = process.hrtime.bigint();
  const window: Array<Promise<void> | undefined> = [];
  for (let i = 0; i < count; i++) {
    window.push(a.router.forward(createMessage({ topic: 'bench/x', payload, qos, retain: false, originClientId: 'p', originNode: 'a', receivedAt: Date.now() })));
    if (i % 1000 === 999) {
      // Like a broker: bounded in flight (QoS 1 acks), paced by the peer socket (QoS 0).
      await Promise.all(window.splice(0));
      await conn.whenWritable();
      await new Promise((r) => setImmediate(r));
    }
  }
  await Promise.all(window);
  await waitFor(() => received >= count, { timeoutMs: 60000, intervalMs: 2, what: 'all received' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await b.close();
  await a.close();
  return { qos, messages: count, perSecond: Math.round(count / seconds) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const routes = Number(process.argv[2] ?? 1_000_000);
  const snap = await benchRouteSnapshot(routes);
  process.stdout.write(`route snapshot: ${snap.routes} routes reached a joining node in ${snap.seconds.toFixed(2)} s; ${Math.round(snap.bytesPerRoute)} bytes of heap per route on the owner\n`);
  for (const qos of [0, 1] as const) {
    const f = await benchForward(qos, 300_000);
    process.stdout.write(`forward QoS ${f.qos}, 64-byte payload, node to node: ${f.perSecond} msg/s (${f.messages} messages)\n`);
  }
}
