// The whole runtime in-process against the API emulator, driving the stand-in reconciler and the
// real one: every cluster reconciled, an idle operator writes nothing at all (only its Lease
// renewals), a status computed from the previous status is written once (reads see our own
// writes), and a cluster whose reconcile keeps failing backs off without holding up the others.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { createBrokerAdminClient } from '../../../operator/brokers/broker-admin-client.js';
import { createReconciler } from '../../../operator/reconcile/reconciler.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOperatorConfig } from '../../../operator/controller/operator-config.js';
import { OperatorRuntime } from '../../../operator/controller/operator-runtime.js';
import type { CreateReconciler } from '../../../operator/controller/reconciler-factory.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { silentLogger } from '../../../broker/contract/logger.js';
import { createOperatorMetrics, type OperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { waitFor } from '../../support/wait.js';
import { createBrokerCluster, createNamespace, startEmulator, type Crd, type Emulator, type StoredCluster } from './runtime-fixtures.js';
import { createStandInReconciler } from './stand-in-reconciler.js';

let emu: Emulator;
let realEmu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ tls: false });
  await createNamespace(emu.api, 'ops');
  // The product's CRD (schema, defaults), for the product's reconciler.
  realEmu = await startEmulator({ tls: false, crd: parse(await readFile('crds/brokerclusters.meshmq.io.yaml', 'utf8')) as Crd });
  await createNamespace(realEmu.api, 'ops');
});
afterAll(async () => { await emu.close(); await realEmu.close(); });

async function start(namespace: string, reconciler: CreateReconciler, metrics: OperatorMetrics, on: Emulator = emu): Promise<OperatorRuntime> {
  const config = parseOperatorConfig({
    argv: ['--namespace', namespace, '--lease-namespace', 'ops', '--lease-name', `lease-${namespace}`, '--http-host', '127.0.0.1', '--http-port', '0', '--resync', '100ms'],
    env: {}, hostname: 'test', serviceAccountNamespace: undefined, randomSuffix: 'r',
  });
  return await OperatorRuntime.start({ config, kubeConfig: on.server.kubeConfig(), logger: silentLogger, metrics, loadReconciler: () => Promise.resolve(reconciler), onFatal: (err) => { throw err; } });
}

/** Waits until the operator has written nothing but its Lease for `quietMs` (the last of its first writes landed). */
async function settled(on: Emulator, quietMs = 1000): Promise<void> {
  await waitFor(() => {
    const last = on.server.audit.entries({ userAgent: /^meshmq-operator\//, writes: true }).filter((e) => e.resource !== 'leases').at(-1);
    return last !== undefined && Date.now() - last.time >= quietMs;
  }, { timeoutMs: 20_000, intervalMs: 50, what: `no write for ${quietMs} ms` });
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
      await settled(emu);
      emu.log.clear();
      const before = await count(metrics, 'success');
      await waitFor(async () => (await count(metrics, 'success')) >= before + 50, { timeoutMs: 10_000, what: '10 resyncs of 5 clusters' });
      const writes = emu.log.writes().filter((r) => r.resource !== 'leases');
      expect(writes.map((r) => `${r.verb} ${r.requestURI}`)).toEqual([]);
      // Nor any read: everything comes from the informers (their watches aside).
      expect(emu.log.requests({ verbs: ['get', 'list'] }).filter((r) => r.resource !== 'leases').map((r) => r.requestURI)).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  it('drives the product\'s reconciler: its status written once, then nothing written while idle', async () => {
    const NS = 'real';
    await createNamespace(realEmu.api, NS);
    for (let i = 0; i < 3; i++) await createBrokerCluster(realEmu.api, NS, `r${i}`, {});
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const brokers = createBrokerAdminClient();
    const real: CreateReconciler = (services) => createReconciler({ ...services, brokers, random: randomBytes, clusterDomain: 'cluster.local' });
    const runtime = await start(NS, real, metrics, realEmu);
    try {
      await waitFor(async () => {
        const list = await realEmu.api.list<StoredCluster>(RESOURCES.brokerCluster, { namespace: NS });
        return list.items.length === 3 && list.items.every((bc) => bc.status?.['observedGeneration'] === 1);
      }, { what: 'every cluster reconciled' });
      await settled(realEmu);
      // A status is computed from the one before (conditions keep their transition times): each was written once.
      const statusWrites = realEmu.log.writes({ resource: 'brokerclusters' }).filter((e) => e.subresource === 'status');
      expect(statusWrites.map((e) => e.name).sort()).toEqual(['r0', 'r1', 'r2']);
      realEmu.log.clear();
      const before = (await count(metrics, 'success')) + (await count(metrics, 'requeue'));
      await waitFor(async () => (await count(metrics, 'success')) + (await count(metrics, 'requeue')) >= before + 30, { timeoutMs: 10_000, what: 'ten more resyncs' });
      expect(realEmu.log.writes().filter((r) => r.resource !== 'leases').map((r) => `${r.verb} ${r.requestURI}`)).toEqual([]);
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
