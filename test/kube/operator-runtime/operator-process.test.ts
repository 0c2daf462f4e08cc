// The operator as a process against the API emulator. The bin (dist/operator/main.js) ends in one
// clear line for a missing CRD, a wrong or unreachable kubeconfig, refused credentials and bad
// flags; with the stand-in reconciler (operator-under-test) it reconciles, serves /healthz /readyz
// /metrics, fails in one line on a forbidden verb, and releases its lease and exits 0 on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import type { LeaseSpec } from '../../../operator/kube/lease-decision.js';
import { freePort } from '../../support/net.js';
import { SpawnedProcess } from '../../support/spawned-process.js';
import { waitFor } from '../../support/wait.js';
import { startApiServer } from '../apiserver/api-server.js';
import { writeKubeconfigFile } from '../kubeconfig.js';
import { startForbiddingProxy } from './forbidding-proxy.js';
import { createBrokerCluster, createNamespace, startEmulator, type Emulator } from './runtime-fixtures.js';

const BIN = 'dist/operator/main.js';
const UNDER_TEST = 'dist/test/kube/operator-runtime/operator-under-test.js';
let dir: string;
const spawned: SpawnedProcess[] = [];

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'meshmq-operator-')); });
afterAll(async () => {
  for (const p of spawned) if (!p.exitStatus && p.pid) process.kill(p.pid, 'SIGKILL');
  await Promise.all(spawned.map((p) => p.exited));
  await rm(dir, { recursive: true, force: true });
});

function run(script: string, args: string[], env: Record<string, string> = {}): SpawnedProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'WATCH_NAMESPACE', 'POD_NAMESPACE', 'POD_NAME'].includes(k)));
  const p = new SpawnedProcess({ command: process.execPath, args: [script, ...args], env: { ...clean, ...env }, name: script.includes('under-test') ? 'operator' : 'meshmq-operator' });
  spawned.push(p);
  return p;
}

/** Runs to the end; the last line it printed, and its exit code. */
async function failure(p: SpawnedProcess): Promise<{ code: number | null; last: string; output: string }> {
  const exit = await p.exited;
  const lines = p.output().trim().split('\n');
  return { code: exit.code, last: lines[lines.length - 1] ?? '', output: p.output() };
}

const noStack = (output: string) => expect(output).not.toMatch(/^\s+at /m);

describe('meshmq-operator start-up failures, each in one line', () => {
  it('a missing CRD', async () => {
    const server = await startApiServer();
    try {
      const kubeconfig = join(dir, 'no-crd');
      await server.writeKubeconfig(kubeconfig);
      const out = await failure(run(BIN, ['--kubeconfig', kubeconfig, '--http-port', '0']));
      expect(out.code).toBe(1);
      expect(out.last).toBe('meshmq-operator: CRD brokerclusters.meshmq.io is not installed: kubectl apply -f crds/brokerclusters.meshmq.io.yaml (or install the meshmq-operator chart), then start the operator again');
      noStack(out.output);
    } finally {
      await server.close();
    }
  });

  it('a kubeconfig that does not exist, or is not one', async () => {
    const missing = await failure(run(BIN, ['--kubeconfig', join(dir, 'nope')]));
    expect(missing.code).toBe(1);
    expect(missing.last).toMatch(/^meshmq-operator: cannot load the kubeconfig .*\/nope: ENOENT: no such file or directory/);
    const garbage = join(dir, 'garbage');
    await writeFile(garbage, 'this: [is not\n');
    const bad = await failure(run(BIN, [], { KUBECONFIG: garbage }));
    expect(bad.code).toBe(1);
    expect(bad.last).toMatch(/^meshmq-operator: cannot load the kubeconfig .*\/garbage: /);
    noStack(missing.output + bad.output);
  });

  it('an unreachable API server', async () => {
    const port = await freePort();
    const kubeconfig = join(dir, 'unreachable');
    await writeKubeconfigFile(kubeconfig, { server: `http://127.0.0.1:${port}` });
    const out = await failure(run(BIN, ['--kubeconfig', kubeconfig]));
    expect(out.code).toBe(1);
    expect(out.last).toBe(`meshmq-operator: cannot reach the Kubernetes API at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}: check the server in the kubeconfig ${kubeconfig} and that the cluster is up`);
    noStack(out.output);
  });

  it('refused credentials', async () => {
    const server = await startApiServer({ tokens: { right: 'operator' } });
    try {
      const kubeconfig = join(dir, 'wrong-token');
      await server.writeKubeconfig(kubeconfig, { token: 'wrong' });
      const out = await failure(run(BIN, ['--kubeconfig', kubeconfig]));
      expect(out.code).toBe(1);
      expect(out.last).toBe(`meshmq-operator: the Kubernetes API at ${server.url} refused the credentials of the kubeconfig ${kubeconfig} (401 Unauthorized): check its user, token or certificate`);
    } finally {
      await server.close();
    }
  });

  it('no kubeconfig outside a pod, and bad flags', async () => {
    const none = await failure(run(BIN, []));
    expect(none.code).toBe(1);
    expect(none.last).toBe('meshmq-operator: no kubeconfig: pass --kubeconfig FILE or set KUBECONFIG, or run the operator in a pod (in-cluster ServiceAccount)');
    const flag = await failure(run(BIN, ['--resync', 'often']));
    expect(flag.code).toBe(2);
    expect(flag.last).toBe('meshmq-operator: --resync: "often" is not a duration (examples: 0, 250ms, 15s, 5m, 1h30m)');
    const help = run(BIN, ['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.output()).toContain('usage: meshmq-operator [flags]');
  });
});

describe('the operator running (stand-in reconciler)', () => {
  let emu: Emulator;
  let kubeconfig: string;
  beforeAll(async () => {
    emu = await startEmulator({ tls: false });
    await createNamespace(emu.api, 'ops');
    await createNamespace(emu.api, 'apps');
    kubeconfig = join(dir, 'emulator');
    await emu.server.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => { await emu.close(); });

  it('ends in one line when a verb it needs is forbidden (403)', async () => {
    const proxy = await startForbiddingProxy(emu.server.url, [{ verb: 'list', resource: 'pods' }]);
    try {
      const forbidden = join(dir, 'forbidden');
      await writeKubeconfigFile(forbidden, { server: proxy.url });
      const out = await failure(run(UNDER_TEST, ['--kubeconfig', forbidden, '--http-port', '0', '--lease-namespace', 'ops', '--retry-period', '100ms']));
      expect(out.code).toBe(1);
      expect(out.last).toBe('meshmq-operator: forbidden: pods is forbidden: User "system:serviceaccount:meshmq-system:meshmq-operator" cannot list resource "pods" in API group "" at the cluster scope: grant it to the operator\'s ServiceAccount (the ClusterRole of charts/meshmq-operator lists every verb it needs)');
      noStack(out.output);
    } finally {
      await proxy.close();
    }
  });

  it('reconciles, serves its probes and metrics, and on SIGTERM releases the lease and exits 0', async () => {
    await createBrokerCluster(emu.api, 'apps', 'early');
    const port = await freePort();
    const op = run(UNDER_TEST, ['--kubeconfig', kubeconfig, '--http-port', String(port), '--http-host', '127.0.0.1', '--lease-namespace', 'ops', '--log-format', 'json'], { POD_NAME: 'meshmq-operator-abc' });
    const http = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await op.waitWhileRunning(async () => (await http('/readyz').catch(() => ({ status: 0, text: '' }))).text === 'ok: leader, caches synced\n', { timeoutMs: 10_000, what: '/readyz to say it leads' });
    expect((await http('/readyz')).status).toBe(200);
    expect((await http('/healthz')).status).toBe(200);
    await waitFor(() => emu.api.get(RESOURCES.statefulSet, 'apps', 'early'), { what: 'the existing cluster to be reconciled' });
    await createBrokerCluster(emu.api, 'apps', 'late');
    await waitFor(() => emu.api.get(RESOURCES.statefulSet, 'apps', 'late'), { what: 'a new cluster to be reconciled' });
    const lease = await emu.api.get<{ spec: LeaseSpec }>(RESOURCES.lease, 'ops', 'meshmq-operator');
    expect(lease?.spec.holderIdentity).toMatch(/^meshmq-operator-abc_[0-9a-f]{8}$/);

    const metrics = (await http('/metrics')).text;
    for (const name of [
      'meshmq_operator_reconciles_total{result="success"}', 'meshmq_operator_reconcile_duration_seconds_bucket', 'meshmq_operator_queue_depth',
      'meshmq_operator_api_requests_total{verb="patch",code="201"}', 'meshmq_operator_api_requests_total{verb="list",code="200"}', 'meshmq_operator_api_request_duration_seconds_bucket{le="0.005",verb="patch"}',
      'meshmq_operator_leader 1', 'meshmq_operator_brokerclusters 2', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds',
    ]) expect(metrics).toContain(name);
    expect(metrics).not.toMatch(/^meshmq_operator_\w+ NaN/m);

    process.kill(op.pid ?? 0, 'SIGTERM');
    expect((await op.exited).code).toBe(0);
    const released = await emu.api.get<{ spec: LeaseSpec }>(RESOURCES.lease, 'ops', 'meshmq-operator');
    expect(released?.spec.holderIdentity).toBe('');
    expect(op.output()).toContain('"msg":"released the lease"');
  });

  it('with two processes, the standby takes over when the leader is killed (SIGKILL)', async () => {
    const args = ['--kubeconfig', kubeconfig, '--http-port', '0', '--lease-namespace', 'ops', '--lease-name', 'pair', '--lease-duration', '3s', '--renew-deadline', '2s', '--retry-period', '250ms'];
    const a = run(UNDER_TEST, args, { POD_NAME: 'op-a' });
    await waitFor(async () => (await emu.api.get<{ spec: LeaseSpec }>(RESOURCES.lease, 'ops', 'pair'))?.spec.holderIdentity?.startsWith('op-a_'), { what: 'op-a to lead' });
    const bPort = await freePort();
    const b = run(UNDER_TEST, [...args.filter((a) => a !== '--http-port' && a !== '0'), '--http-port', String(bPort), '--http-host', '127.0.0.1'], { POD_NAME: 'op-b' });
    await b.waitForOutput('"msg":"the lease is held by another operator"');
    const standby = await fetch(`http://127.0.0.1:${bPort}/readyz`);
    expect([standby.status, await standby.text()]).toEqual([200, 'ok: standby, waiting for the lease\n']);
    const killedAt = Date.now();
    process.kill(a.pid ?? 0, 'SIGKILL');
    await waitFor(async () => (await emu.api.get<{ spec: LeaseSpec }>(RESOURCES.lease, 'ops', 'pair'))?.spec.holderIdentity?.startsWith('op-b_'), { timeoutMs: 8000, what: 'op-b to take over' });
    expect(Date.now() - killedAt).toBeLessThan(3000 + 1000);
    await createBrokerCluster(emu.api, 'apps', 'after-takeover');
    await waitFor(() => emu.api.get(RESOURCES.statefulSet, 'apps', 'after-takeover'), { what: 'the new leader to reconcile' });
    process.kill(b.pid ?? 0, 'SIGTERM');
    expect((await b.exited).code).toBe(0);
  });
});
