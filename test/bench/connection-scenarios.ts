// Connection scenarios: how fast the broker accepts MQTT connections (CONNECT to CONNACK,
// bounded concurrency), and how much resident memory each idle connection costs it.
import { createBurstDriver, parseGeneratorChoice, type GeneratorChoice } from './connect-burst-driver.js';
import { readCpuSeconds, readListenOverflows, readRssBytes, sumOver, waitUntilSettled } from './process-stats.js';
import type { ConnectionsResult, ConnectionsSpec, ScenarioEndpoints } from './scenario-spec.js';

/**
 * `choice` picks the client (MESHMQ_BENCH_CONNECT_GENERATOR, read by the generator process):
 * native (C, its own child process on the generator's CPU) whenever a compiler can build it.
 */
export async function runConnections(spec: ConnectionsSpec, endpoints: ScenarioEndpoints,
  choice: GeneratorChoice = parseGeneratorChoice(process.env['MESHMQ_BENCH_CONNECT_GENERATOR'])): Promise<ConnectionsResult> {
  const pids = endpoints.brokerPids;
  const readRss = (): Promise<number> => sumOver(pids, readRssBytes);
  const measureMemory = spec.measureMemory && pids.length > 0;
  const driver = await createBurstDriver({
    endpoint: endpoints.subscribe, count: spec.connections, concurrency: spec.concurrency, warmup: spec.warmupConnections,
    clientIdPrefix: `bench-${process.pid}-`, localAddress: endpoints.localAddress, timeoutMs: 120000,
  }, choice);
  try {
    // Warm-up first: what a broker allocates once, on its first connections (code, lazily built
    // tables such as mqtt-packet's number cache), is not a cost per connection.
    await driver.warmUp();
    // The broker is still closing the warm-up connections: let it finish, or that work is
    // charged to the measured burst (more so the faster the generator starts it).
    if (pids.length > 0) await waitUntilSettled(() => readBrokerCpu(pids), { intervalMs: 100, timeoutMs: 5000, tolerance: 0, stableSamples: 2 });
    const rssBeforeBytes = measureMemory ? await readQuietRss(readRss, spec.quietMs) : undefined;
    const before = await readBrokerCpu(pids);
    const overflowsBefore = await readListenOverflows();
    const { seconds, generatorCpuSeconds } = await driver.burst();
    const brokerCpuSeconds = (await readBrokerCpu(pids)) - before;
    const perThousand = 1000 * 1000 / spec.connections;
    const rate = {
      kind: 'connections', connections: spec.connections, generator: driver.generator,
      ...(driver.note === undefined ? {} : { generatorNote: driver.note }),
      connectsPerSecond: spec.connections / seconds,
      brokerCpu: brokerCpuSeconds / seconds, generatorCpu: generatorCpuSeconds / seconds,
      // CPU per connection: what one broker core accepts at this cost, whatever the generator's pace
      // (not quite independent of it: a saturated Node broker spends more per connection than a paced one).
      brokerCpuMsPer1000: brokerCpuSeconds * perThousand, generatorCpuMsPer1000: generatorCpuSeconds * perThousand,
      listenOverflows: (await readListenOverflows()) - overflowsBefore,
    } as const;
    if (rssBeforeBytes === undefined) return rate;
    const rssAfterBytes = await readQuietRss(readRss, spec.quietMs);
    const lost = await driver.finish();
    if (lost > 0) throw new Error(`${lost} idle connections were closed by the broker while measuring memory`);
    return {
      ...rate, rssBeforeBytes, rssAfterBytes,
      bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / spec.connections,
    };
  } finally {
    await driver.close();
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

async function readBrokerCpu(pids: readonly number[]): Promise<number> {
  return pids.length > 0 ? await sumOver(pids, readCpuSeconds) : Number.NaN;
}
