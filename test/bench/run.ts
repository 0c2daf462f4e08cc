// `npm run bench`: runs every scenario against meshmq, Aedes and Mosquitto, each broker in its
// own process pinned to CPU 0 and the generator pinned to CPU 1, then prints one table with
// meshmq's ratios and issue 2's targets, and writes the results as JSON.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAedesTarget } from './aedes-target.js';
import { parseBenchOptions, USAGE, type BenchOptions, type TargetName } from './bench-options.js';
import type { BrokerTarget } from './broker-target.js';
import { findNewestProfile, formatSelfTime, readCpuProfile, summarizeSelfTime, type SelfTime } from './cpu-profile-summary.js';
import { runInGenerator } from './generator-client.js';
import { formatMachineInfo, readMachineInfo } from './machine-info.js';
import { buildClusterLines } from './cluster-report.js';
import { createMeshmqClusterTarget } from './meshmq-cluster-target.js';
import { createMeshmqTarget } from './meshmq-target.js';
import { createMosquittoTarget } from './mosquitto-target.js';
import { buildReportRows, formatTable, TABLE_HEADER, type Outcome } from './report-table.js';
import { BenchRedis } from './bench-redis.js';
import { buildStoreRows, STORE_TABLE_HEADER } from './store-report.js';
import { buildScenarioSpec, scenarioBudgetMs } from './scenario-catalog.js';
import type { ScenarioName, ScenarioResult } from './scenario-spec.js';

const say = (line: string): void => { process.stdout.write(line + '\n'); };
const note = (line: string): void => { process.stderr.write(line + '\n'); };

async function hasTaskset(): Promise<boolean> {
  return await promisify(execFile)('taskset', ['-V']).then(() => true, () => false);
}

function describeResult(result: ScenarioResult): string {
  switch (result.kind) {
    case 'throughput': return `${Math.round(result.deliveredPerSecond)} msg/s delivered (published ${Math.round(result.publishedPerSecond)}/s, lost ${result.lost}, broker cpu ${(result.brokerCpu * 100).toFixed(0)}%, generator cpu ${(result.generatorCpu * 100).toFixed(0)}%)`;
    case 'latency': return `p50 ${result.latencyMs.p50.toFixed(3)} ms, p99 ${result.latencyMs.p99.toFixed(3)} ms, p99.9 ${result.latencyMs.p999.toFixed(3)} ms (${result.latencyMs.count} samples, ${result.received}/${result.sent} received)`;
    case 'connections': return `${Math.round(result.connectsPerSecond)} conn/s (broker cpu ${(result.brokerCpu * 100).toFixed(0)}%, ${result.brokerCpuMsPer1000.toFixed(1)} ms per 1k; generator cpu ${(result.generatorCpu * 100).toFixed(0)}%, ${result.generatorCpuMsPer1000.toFixed(1)} ms per 1k; listen overflows ${result.listenOverflows})` + (result.bytesPerConnection === undefined ? '' : `, ${Math.round(result.bytesPerConnection)} B/conn (RSS ${result.rssBeforeBytes} -> ${result.rssAfterBytes})`)
      + (result.generatorNote === undefined ? '' : ` [${result.generatorNote}]`);
    case 'queue': return `${result.messages} queued in ${result.publishSeconds.toFixed(1)} s, drained in ${result.drainSeconds.toFixed(2)} s (${result.received} received)`
      + (result.storeBytesPerMessage === undefined ? '' : `, Redis ${Math.round(result.storeBytesPerMessage)} B/msg`)
      + (result.rssBytesPerMessage === undefined ? '' : `, broker RSS ${Math.round(result.rssBytesPerMessage)} B/msg`);
  }
}

interface RunPlan {
  readonly options: BenchOptions;
  readonly brokerCpus: string | undefined;
  readonly generatorCpus: string | undefined;
  /** Started when a target stores in Redis; emptied before each of their scenarios. */
  readonly redis: BenchRedis | undefined;
}

async function runTarget(target: BrokerTarget, plan: RunPlan, profiles: Record<string, SelfTime[]>): Promise<Partial<Record<ScenarioName, Outcome>>> {
  const outcomes: Partial<Record<ScenarioName, Outcome>> = {};
  const profileDir = plan.options.cpuProfileDir !== undefined && target.name !== 'mosquitto' ? path.resolve(plan.options.cpuProfileDir) : undefined;
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
  for (const name of plan.options.scenarios) {
    const spec = buildScenarioSpec(name, plan.options);
    note(`[${target.name}] ${name} ...`);
    // A fresh broker per scenario: memory and queues left by one scenario never skew the next.
    let broker;
    const redis = target.needsRedis === true ? plan.redis : undefined;
    try {
      await redis?.flush();
      broker = await target.start({ cpus: plan.brokerCpus, cpuProfileDir: profileDir, scenario: name, redis: redis?.endpoint });
    } catch (err) {
      outcomes[name] = { ok: false, error: `start failed: ${(err as Error).message}` };
      note(`[${target.name}] ${name}: ${(err as Error).message}`);
      continue;
    }
    try {
      const endpoints = { publish: broker.publishEndpoint, subscribe: broker.subscribeEndpoint, brokerPids: broker.pids, redis: redis?.endpoint };
      const result = await runInGenerator({ type: 'run', spec, endpoints }, plan.generatorCpus, scenarioBudgetMs(spec));
      outcomes[name] = { ok: true, result };
      note(`[${target.name}] ${name}: ${describeResult(result)}`);
    } catch (err) {
      outcomes[name] = { ok: false, error: (err as Error).message };
      note(`[${target.name}] ${name}: FAILED ${(err as Error).message}`);
    } finally {
      await broker.stop();
    }
    if (profileDir !== undefined) {
      const file = await findNewestProfile(profileDir, `${target.name}-${name}-`);
      if (file !== undefined) profiles[`${target.name}/${name}`] = summarizeSelfTime(await readCpuProfile(file), 15);
    }
  }
  return outcomes;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const catalog: Record<TargetName, BrokerTarget> = {
    meshmq: createMeshmqTarget(), aedes: createAedesTarget(), mosquitto: createMosquittoTarget(), 'meshmq-cluster': createMeshmqClusterTarget(),
    'meshmq-redis': createMeshmqTarget({ store: 'redis' }), 'aedes-redis': createAedesTarget({ store: 'redis' }),
  };
  const pin = options.pin && os.availableParallelism() >= 2 && (await hasTaskset());
  const generatorCpus = pin ? '1' : undefined;
  // Redis shares the generator's CPU: the broker keeps CPU 0 to itself, as on the memory store.
  const redis = options.targets.some((t) => catalog[t].needsRedis === true) ? await BenchRedis.start(generatorCpus) : undefined;
  const plan: RunPlan = { options, brokerCpus: pin ? '0' : undefined, generatorCpus, redis };
  const versions: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  const targets: BrokerTarget[] = [];
  for (const name of options.targets) {
    const target = catalog[name];
    versions[name] = await target.version();
    const reason = await target.unavailableReason();
    if (reason === undefined) targets.push(target);
    else skipped[name] = reason;
  }
  if (redis !== undefined) versions['redis'] = await redis.version();
  const machine = readMachineInfo(versions);
  const header = [
    formatMachineInfo(machine),
    pin ? `pinning: brokers on CPU 0, generator${redis ? ' and redis-server' : ''} on CPU 1 (taskset)` : 'pinning: off',
    ...(redis === undefined ? [] : [`redis: ${redis.url}, appendonly yes, appendfsync everysec, maxmemory-policy noeviction, emptied before each scenario`]),
    `window ${options.window} msgs/publisher, payload ${options.payloadBytes} B, ${options.durationSeconds} s measured per throughput scenario${options.quick ? ' (quick)' : ''}`,
    ...Object.entries(skipped).map(([name, reason]) => `skipped ${name}: ${reason}`),
  ].join('\n');
  say(header);

  const results: Record<string, Partial<Record<ScenarioName, Outcome>>> = {};
  const profiles: Record<string, SelfTime[]> = {};
  try {
    for (const target of targets) results[target.name] = await runTarget(target, plan, profiles);
  } finally {
    await redis?.stop();
  }

  say('');
  const rows = buildReportRows(results);
  if (rows.length > 0) say(formatTable(TABLE_HEADER, rows));
  const storeRows = buildStoreRows(results);
  if (storeRows.length > 0) say(`\nstores (issue 9):\n${formatTable(STORE_TABLE_HEADER, storeRows)}`);
  if (results['meshmq-cluster'] !== undefined) {
    say('\nmeshmq 3-node cluster (publishers on node A, subscribers on node B) vs one node:');
    for (const line of buildClusterLines(results['meshmq'], results['meshmq-cluster'])) say(`  ${line}`);
  }
  for (const [name, rows] of Object.entries(profiles)) {
    say(`\ntop self time, ${name}:\n${formatSelfTime(rows)}`);
  }
  const out = path.resolve(options.out);
  await writeFile(out, JSON.stringify({ startedAt: new Date().toISOString(), machine, options, pinned: pin, skipped, results, profiles }, null, 2) + '\n');
  say(`\nresults written to ${out}`);
  const failed = Object.values(results).some((byScenario) => Object.values(byScenario).some((o) => o !== undefined && !o.ok));
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    note(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  },
);
