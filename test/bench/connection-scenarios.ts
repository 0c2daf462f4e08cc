// Connection scenarios: how fast the broker accepts MQTT connections (CONNECT to CONNACK,
// bounded concurrency), and how much resident memory each idle connection costs it.
import { ConnectionBurst } from './connect-burst.js';
import { readCpuSeconds, readListenOverflows, readRssBytes, sumOver, waitUntilSettled } from './process-stats.js';
import type { ConnectionsResult, ConnectionsSpec, ScenarioEndpoints } from './scenario-spec.js';

export async function runConnections(spec: ConnectionsSpec, endpoints: ScenarioEndpoints): Promise<ConnectionsResult> {
  const pids = endpoints.brokerPids;
  const readRss = (): Promise<number> => sumOver(pids, readRssBytes);
  const measureMemory = spec.measureMemory && pids.length > 0;
  // Warm-up first: what a broker allocates once, on its first connections (code, lazily built
  // tables such as mqtt-packet's number cache), is not a cost per connection.
  if (spec.warmupConnections > 0) await warmUp(spec, endpoints);
  const rssBeforeBytes = measureMemory ? await readQuietRss(readRss, spec.quietMs) : undefined;
  const burst = new ConnectionBurst();
  try {
    const before = await readCpu(pids);
    const overflowsBefore = await readListenOverflows();
    const started = performance.now();
    await burst.open({
      endpoint: endpoints.subscribe, count: spec.connections, concurrency: spec.concurrency,
      clientIdPrefix: `bench-${process.pid}-`, localAddress: endpoints.localAddress, timeoutMs: 120000,
    });
    const seconds = (performance.now() - started) / 1000;
    const after = await readCpu(pids);
    const perThousand = 1000 * 1000 / spec.connections;
    const rate = {
      kind: 'connections', connections: spec.connections, connectsPerSecond: spec.connections / seconds,
      brokerCpu: (after.broker - before.broker) / seconds, generatorCpu: (after.generator - before.generator) / seconds,
      // CPU time per connection does not depend on how fast the generator opened them.
      brokerCpuMsPer1000: (after.broker - before.broker) * perThousand, generatorCpuMsPer1000: (after.generator - before.generator) * perThousand,
      listenOverflows: (await readListenOverflows()) - overflowsBefore,
    } as const;
    if (rssBeforeBytes === undefined) return rate;
    const rssAfterBytes = await readQuietRss(readRss, spec.quietMs);
    if (burst.lost > 0) throw new Error(`${burst.lost} idle connections were closed by the broker while measuring memory`, { cause: burst.firstError });
    return {
      ...rate, rssBeforeBytes, rssAfterBytes,
      bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / spec.connections,
    };
  } finally {
    burst.close();
  }
}

/**
 * RSS once the broker has been left alone for `quietMs` and then stopped moving: read the same
 * way before and after the burst, for every broker. A Node broker's garbage from the burst is
 * only collected once V8's memory reducer notices the process went idle (about 8 s later).
 */
async function readQuietRss(readRss: () => Promise<number>, quietMs: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  return await waitUntilSettled(readRss, { timeoutMs: 15000, intervalMs: 500 });
}

async function readCpu(pids: readonly number[]): Promise<{ broker: number; generator: number }> {
  const own = process.cpuUsage();
  return { broker: pids.length > 0 ? await sumOver(pids, readCpuSeconds) : Number.NaN, generator: (own.user + own.system) / 1e6 };
}

/** Opens and closes a first burst, so both sides' JIT is warm before the measured one. */
async function warmUp(spec: ConnectionsSpec, endpoints: ScenarioEndpoints): Promise<void> {
  const burst = new ConnectionBurst();
  try {
    await burst.open({ endpoint: endpoints.subscribe, count: spec.warmupConnections, concurrency: spec.concurrency, clientIdPrefix: `warm-${process.pid}-`, timeoutMs: 60000 });
  } finally {
    burst.close();
  }
}
