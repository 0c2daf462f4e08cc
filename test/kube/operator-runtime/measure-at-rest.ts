// Measures the operator with many BrokerClusters at rest (`npm run bench:operator`): the real
// operator process (dist/operator/main.js, the product's reconciler) against the API emulator with
// the product's CRD; no pods run. Reports the time to converge, CPU and memory at rest, the API
// requests per minute at rest by verb and resource, and the latency from a spec change to the
// StatefulSet write. Bounded: about two minutes with the defaults.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { freePort } from '../../support/net.js';
import { SpawnedProcess } from '../../support/spawned-process.js';
import { waitFor } from '../../support/wait.js';
import { createBrokerCluster, createNamespace, startEmulator, type Crd, type StoredCluster } from './runtime-fixtures.js';

const CLUSTERS = Number(process.env['CLUSTERS'] ?? 100);
const REST_SECONDS = Number(process.env['REST_SECONDS'] ?? 60);
const LATENCY_SAMPLES = 10;
/** More operator flags, e.g. OPERATOR_ARGS='--resync 1m'. */
const OPERATOR_ARGS = (process.env['OPERATOR_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const NS = 'fleet';
const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function memoryKiB(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`)) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0);
}

function histogramMean(text: string, name: string, verb: string): number {
  const value = (suffix: string) => Number(new RegExp(`^${name}_${suffix}\\{verb="${verb}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return value('sum') / value('count');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshmq-measure-'));
  const emu = await startEmulator({ crd: parse(readFileSync('crds/brokerclusters.meshmq.io.yaml', 'utf8')) as Crd, auditLogSize: 200_000 });
  let op: SpawnedProcess | undefined;
  try {
    await createNamespace(emu.api, NS);
    await createNamespace(emu.api, 'ops');
    for (let i = 0; i < CLUSTERS; i++) await createBrokerCluster(emu.api, NS, `bc-${String(i).padStart(3, '0')}`, {});
    const kubeconfig = join(dir, 'kubeconfig');
    await emu.server.writeKubeconfig(kubeconfig);
    const port = await freePort();
    const started = Date.now();
    op = new SpawnedProcess({
      command: process.execPath, name: 'operator',
      args: ['dist/operator/main.js', '--kubeconfig', kubeconfig, '--lease-namespace', 'ops', '--namespace', NS, '--http-host', '127.0.0.1', '--http-port', String(port), '--log-level', 'warn', ...OPERATOR_ARGS],
    });
    const pid = op.pid ?? 0;
    const ours = { userAgent: /^meshmq-operator\// };
    await op.waitWhileRunning(async () => {
      const list = await emu.api.list<StoredCluster>(RESOURCES.brokerCluster, { namespace: NS });
      return list.items.every((bc) => bc.status?.['observedGeneration'] === 1);
    }, { timeoutMs: 120_000, what: 'every BrokerCluster reconciled' });
    // Converged: no write of ours (Lease renewals aside) for 5 s.
    await waitFor(() => {
      const last = emu.server.audit.entries({ ...ours, writes: true }).filter((e) => e.resource !== 'leases').at(-1);
      return Date.now() - Math.max(started, last?.time ?? 0) > 5000;
    }, { timeoutMs: 120_000, intervalMs: 250, what: 'the writes to stop' });
    const convergedMs = Date.now() - started;
    // (This harness's KubeApi has the operator's User-Agent too; what it made came before `started`.)
    const convergeWrites = emu.server.audit.entries({ ...ours, writes: true }).filter((e) => e.resource !== 'leases' && e.time >= started).length;

    const mark = emu.server.audit.lastSeq;
    const metricsBefore = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const reconcilesBefore = Number(/^meshmq_operator_reconcile_duration_seconds_count (\S+)$/m.exec(metricsBefore)?.[1] ?? 0);
    const reconcileSecondsBefore = Number(/^meshmq_operator_reconcile_duration_seconds_sum (\S+)$/m.exec(metricsBefore)?.[1] ?? 0);
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    await new Promise((resolve) => setTimeout(resolve, REST_SECONDS * 1000));
    const restMs = Date.now() - t0;
    const cpu1 = cpuSeconds(pid);
    const rss = memoryKiB(pid, 'VmRSS');
    const peak = memoryKiB(pid, 'VmHWM');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const rest = emu.server.audit.entries({ ...ours, afterSeq: mark });
    const reconcileSeconds = metric('meshmq_operator_reconcile_duration_seconds_sum');
    const reconcilesAtRest = metric('meshmq_operator_reconcile_duration_seconds_count') - reconcilesBefore;
    const perMinute = (n: number) => (n * 60_000) / restMs;
    const byKind = new Map<string, number>();
    for (const e of rest) byKind.set(`${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`, (byKind.get(`${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`) ?? 0) + 1);
    const restWrites = rest.filter((e) => ['create', 'update', 'patch', 'delete'].includes(e.verb) && e.resource !== 'leases');

    // Spec change → StatefulSet write, one cluster at a time.
    const latencies: number[] = [];
    for (let i = 0; i < Math.min(LATENCY_SAMPLES, CLUSTERS); i++) {
      const name = `bc-${String(i).padStart(3, '0')}`;
      const before = emu.server.audit.lastSeq;
      await emu.api.mergePatch(RESOURCES.brokerCluster, NS, name, { spec: { replicas: 4 } }, 'bench');
      // Both times from the server's audit (polling it often would slow the emulator in this process).
      const change = emu.server.audit.entries({ afterSeq: before, resource: 'brokerclusters', verbs: ['patch'] }).find((e) => e.name === name);
      const write = await waitFor(() => emu.server.audit.entries({ ...ours, writes: true, resource: 'statefulsets', afterSeq: before }).find((e) => e.name === name), { timeoutMs: 30_000, intervalMs: 50, what: `the StatefulSet of ${name} written` });
      latencies.push(write.time - (change?.time ?? write.time));
    }

    const lines = [
      `BrokerClusters: ${CLUSTERS} in one namespace, no pods running; operator: dist/operator/main.js (product reconciler) ${OPERATOR_ARGS.join(' ') || '(defaults: resync 10s, lease 15s/10s/2s)'}; emulator over TLS on loopback`,
      `converged: ${(convergedMs / 1000).toFixed(1)} s after start (incl. 5 s quiet), ${convergeWrites} writes (Lease apart)`,
      `at rest for ${(restMs / 1000).toFixed(0)} s: CPU ${((cpu1 - cpu0) / (restMs / 1000) * 100).toFixed(2)} % of one core (${(cpu1 - cpu0).toFixed(2)} s), RSS ${(rss / 1024).toFixed(1)} MiB (peak ${(peak / 1024).toFixed(1)} MiB), heap used ${(metric('nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1)} MiB`,
      `API requests at rest: ${perMinute(rest.length).toFixed(1)}/min in all, writes other than the Lease: ${restWrites.length}`,
      ...[...byKind.entries()].sort().map(([k, n]) => `  ${k}: ${perMinute(n).toFixed(1)}/min`),
      `reconciles at rest: ${perMinute(reconcilesAtRest).toFixed(0)}/min, ${((reconcileSeconds - reconcileSecondsBefore) / Math.max(1, reconcilesAtRest) * 1000).toFixed(2)} ms each on average (${(reconcileSecondsBefore / Math.max(1, reconcilesBefore) * 1000).toFixed(1)} ms while converging)`,
      `API answers (operator side, since start): ${['patch', 'update', 'create'].map((v) => `${v} ${(histogramMean(metrics, 'meshmq_operator_api_request_duration_seconds', v) * 1000).toFixed(1)} ms`).join(', ')} on average`,
      `spec change → StatefulSet write (${LATENCY_SAMPLES} samples): median ${median(latencies)} ms, max ${Math.max(...latencies)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (op?.pid && !op.exitStatus) { process.kill(op.pid, 'SIGTERM'); await op.exited; }
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
