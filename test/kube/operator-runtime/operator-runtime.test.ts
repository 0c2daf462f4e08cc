// The whole runtime in-process against the API emulator, driving the stand-in reconciler: every
// cluster reconciled, an idle operator writes nothing at all (only its Lease renewals), and a
// cluster whose reconcile keeps failing backs off without holding up the others.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOperatorConfig } from '../../../operator/controller/operator-config.js';
import { OperatorRuntime } from '../../../operator/controller/operator-runtime.js';
import type { CreateReconciler } from '../../../operator/controller/reconciler-factory.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { silentLogger } from '../../../operator/log/logger.js';
import { createOperatorMetrics, type OperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { waitFor } from '../../support/wait.js';
import { createBrokerCluster, createNamespace, startEmulator, type Emulator } from './runtime-fixtures.js';
import { createStandInReconciler } from './stand-in-reconciler.js';

let emu: Emulator;
beforeAll(async () => { emu = await startEmulator({ tls: false }); await createNamespace(emu.api, 'ops'); });
afterAll(async () => { await emu.close(); });

async function start(namespace: string, createReconciler: CreateReconciler, metrics: OperatorMetrics, extra: string[] = []): Promise<OperatorRuntime> {
  const config = parseOperatorConfig({
    argv: ['--namespace', namespace, '--lease-namespace', 'ops', '--lease-name', `lease-${namespace}`, '--http-host', '127.0.0.1', '--http-port', '0', '--resync', '100ms', ...extra],
    env: {}, hostname: 'test', serviceAccountNamespace: undefined, randomSuffix: 'r',
  });
  return await OperatorRuntime.start({ config, kubeConfig: emu.server.kubeConfig(), logger: silentLogger, metrics, loadReconciler: () => Promise.resolve(createReconciler), onFatal: (err) => { throw err; } });
}

const count = async (metrics: OperatorMetrics, result: string): Promise<number> =>
  (await metrics.reconciles.get()).values.filter((v) => v.labels['result'] === result).reduce((n, v) => n + v.value, 0);

describe('OperatorRuntime', () => {
  it('reconciles every cluster, then writes nothing while they are idle', async () => {
    const NS = 'idle';
    await createNamespace(emu.api, NS);
    for (let i = 0; i < 5; i++) await createBrokerCluster(emu.api, NS, `c${i}`);
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const runtime = await start(NS, createStandInReconciler, metrics);
    try {
      await waitFor(async () => {
        const list = await emu.api.list<{ status?: { observedGeneration?: number } }>(RESOURCES.brokerCluster, { namespace: NS });
        return list.items.every((bc) => bc.status?.observedGeneration === 1);
      }, { what: 'every cluster reconciled' });
      // Let the informers deliver our own writes, then watch many resyncs.
      await waitFor(async () => (await count(metrics, 'success')) >= 20);
      emu.log.clear();
      const before = await count(metrics, 'success');
      await waitFor(async () => (await count(metrics, 'success')) >= before + 50, { timeoutMs: 10_000, what: '10 resyncs of 5 clusters' });
      const writes = emu.log.writes().filter((r) => !r.path.includes('/leases/'));
      expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
      expect(emu.log.requests.filter((r) => r.method === 'GET' && !r.path.includes('/leases/') && r.query.get('watch') !== 'true')).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  it('backs off a cluster that keeps failing, and reconciles the others meanwhile', async () => {
    const NS = 'failing';
    await createNamespace(emu.api, NS);
    await createBrokerCluster(emu.api, NS, 'bad');
    await createBrokerCluster(emu.api, NS, 'good');
    const attempts: number[] = [];
    const failing: CreateReconciler = (deps) => {
      const inner = createStandInReconciler(deps);
      return async (key) => {
        if (key.name !== 'bad') return await inner(key);
        attempts.push(Date.now());
        throw new Error('the broker admin API did not answer');
      };
    };
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const runtime = await start(NS, failing, metrics);
    try {
      await waitFor(() => emu.api.get(RESOURCES.statefulSet, NS, 'good'), { what: 'the good cluster reconciled' });
      await waitFor(() => attempts.length >= 5, { timeoutMs: 10_000, what: 'five attempts at the bad one' });
      // 200, 400, 800, 1600 ms: backoff, although the resync runs every 100 ms.
      const gaps = attempts.slice(1, 5).map((t, i) => t - (attempts[i] ?? t));
      for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(200 * 2 ** i - 20);
      expect(await count(metrics, 'error')).toBeGreaterThanOrEqual(5);
      // The good one kept being resynced all along.
      expect(await count(metrics, 'success')).toBeGreaterThan(10);
    } finally {
      await runtime.stop();
    }
  });
});
