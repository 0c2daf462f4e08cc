// The status writer and event recorder against the API emulator: the status subresource written
// only when it differs (a stale read answered 409 is re-read and retried), Events folded into one
// with a growing count as `kubectl describe` shows them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseBrokerCluster } from '../../../operator/api/broker-cluster.js';
import type { BrokerClusterStatus } from '../../../operator/api/broker-cluster-status.js';
import { silentLogger } from '../../../broker/contract/logger.js';
import { createOperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { InformerClusterCache } from '../../../operator/kube/cluster-cache.js';
import { EventRecorder } from '../../../operator/kube/event-recorder.js';
import { StatusWriter } from '../../../operator/kube/status-writer.js';
import { itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { createKubectl, hasKubectl } from '../kubectl-cli.js';
import { createBrokerCluster, createNamespace, startEmulator, type Emulator, type StoredCluster } from './runtime-fixtures.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS = 'status';
let emu: Emulator;
let cache: InformerClusterCache;
const metrics = createOperatorMetrics({ defaultMetrics: false });
const kubectlInstalled = await hasKubectl();

beforeAll(async () => {
  emu = await startEmulator();
  await createNamespace(emu.api, NS);
  cache = new InformerClusterCache({ api: emu.api, logger: silentLogger, metrics, onClusterChange: () => {} });
  await cache.start();
});
afterAll(async () => { await cache.stop(); await emu.close(); });

const running: BrokerClusterStatus = {
  phase: 'Running', replicas: 3, readyReplicas: 3, observedGeneration: 1, selector: 'app.kubernetes.io/instance=a',
  conditions: [{ type: 'Ready', status: 'True', reason: 'AllNodesReady', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }],
  nodes: [{ name: 'a-0.a-headless', pod: 'a-0', state: 'up', ready: true }],
};

async function stored(name: string): Promise<StoredCluster> {
  const got = await emu.api.get<StoredCluster>(RESOURCES.brokerCluster, NS, name);
  if (!got) throw new Error(`${name} is gone`);
  return got;
}

describe('StatusWriter', () => {
  it('writes the status subresource only when it differs from what is stored', async () => {
    const writer = new StatusWriter({ api: emu.api, cache, logger: silentLogger });
    const bc = await createBrokerCluster(emu.api, NS, 'a');
    const cluster = parseBrokerCluster(bc);
    emu.log.clear();
    expect(await writer.writeStatus(cluster, running)).toBe('updated');
    expect((await stored('a')).status).toMatchObject({ phase: 'Running', readyReplicas: 3 });
    expect((await stored('a')).spec).toEqual({ replicas: 3 });
    await waitFor(() => (cache.brokerCluster({ namespace: NS, name: 'a' }) as StoredCluster).status?.['phase'] === 'Running');
    // A message left out and the same condition: equal to what is stored (its "" message omitted).
    const { message: _m, ...readyWithoutMessage } = running.conditions?.[0] ?? { type: '', status: 'True', reason: '', lastTransitionTime: '' };
    expect(await writer.writeStatus(parseBrokerCluster(await stored('a')), { ...running, conditions: [readyWithoutMessage as never] })).toBe('unchanged');
    expect(await writer.writeStatus(cluster, running)).toBe('unchanged');
    expect(await writer.writeStatus(cluster, { ...running, readyReplicas: 2, phase: 'Degraded' })).toBe('updated');
    // A field no longer set is removed.
    const { nodes: _n, ...withoutNodes } = running;
    expect(await writer.writeStatus(cluster, withoutNodes)).toBe('updated');
    expect((await stored('a')).status?.['nodes']).toBeUndefined();
    expect(emu.log.writes({ resource: 'brokerclusters', name: 'a' }).map((r) => [r.verb, r.subresource, r.code])).toEqual([['update', 'status', 200], ['update', 'status', 200], ['update', 'status', 200]]);
  });

  it('re-reads and retries after a 409 Conflict from a stale read', async () => {
    const bc = await createBrokerCluster(emu.api, NS, 'b');
    // A cache that lags behind the API: it still returns the version before the next change.
    const stale = { brokerCluster: () => bc, wrote: () => {} };
    await emu.api.mergePatch(RESOURCES.brokerCluster, NS, 'b', { metadata: { labels: { edited: 'yes' } } }, 'kubectl');
    const writer = new StatusWriter({ api: emu.api, cache: stale, logger: silentLogger });
    emu.log.clear();
    expect(await writer.writeStatus(parseBrokerCluster(bc), running)).toBe('updated');
    expect(emu.log.writes({ resource: 'brokerclusters', name: 'b' }).map((r) => r.code)).toEqual([409, 200]);
    expect((await stored('b')).status?.['phase']).toBe('Running');
  });

  it('writes nothing for a cluster deleted, or deleted and made again, in the meantime', async () => {
    const writer = new StatusWriter({ api: emu.api, cache, logger: silentLogger });
    const bc = await createBrokerCluster(emu.api, NS, 'c');
    await emu.api.delete(RESOURCES.brokerCluster, NS, 'c');
    expect(await writer.writeStatus(parseBrokerCluster(bc), running)).toBe('unchanged');
    await createBrokerCluster(emu.api, NS, 'c');
    emu.log.clear();
    expect(await writer.writeStatus(parseBrokerCluster(bc), running)).toBe('unchanged');
    expect(emu.log.writes({ resource: 'brokerclusters', name: 'c' })).toEqual([]);
    expect((await stored('c')).status).toBeUndefined();
  });
});

type Event = { count: number; reason: string; message: string; type: string; firstTimestamp: string; lastTimestamp: string; involvedObject: Record<string, unknown>; source: Record<string, unknown>; reportingComponent: string; reportingInstance: string };

describe('EventRecorder', () => {
  it('records Events on the BrokerCluster and folds repeats into one with a count', async () => {
    const bc = await createBrokerCluster(emu.api, NS, 'ev');
    let now = Date.parse('2025-03-01T10:00:00Z');
    const recorder = new EventRecorder({ api: emu.api, logger: silentLogger, metrics, instance: 'meshmq-operator-7d9-abc', now: () => now });
    const cluster = parseBrokerCluster(bc);
    await recorder.event(cluster, { type: 'Warning', reason: 'DrainFailed', message: 'pod ev-2 did not drain' });
    now += 30_000;
    await recorder.event(cluster, { type: 'Warning', reason: 'DrainFailed', message: 'pod ev-2 did not drain' });
    now += 30_000;
    await recorder.event(cluster, { type: 'Warning', reason: 'DrainFailed', message: 'pod ev-2 did not drain' });
    await recorder.event(cluster, { type: 'Normal', reason: 'ScaledDown', message: 'replicas 3 -> 2' });
    const list = await emu.api.list<Event>(RESOURCES.event, { namespace: NS, fieldSelector: `involvedObject.uid=${bc.metadata.uid}` });
    const byReason = Object.fromEntries(list.items.map((e) => [e.reason, e]));
    expect(list.items).toHaveLength(2);
    expect(byReason['DrainFailed']).toMatchObject({
      type: 'Warning', count: 3, message: 'pod ev-2 did not drain',
      firstTimestamp: '2025-03-01T10:00:00Z', lastTimestamp: '2025-03-01T10:01:00Z',
      involvedObject: { apiVersion: 'meshmq.io/v1alpha1', kind: 'BrokerCluster', name: 'ev', namespace: NS, uid: bc.metadata.uid },
      source: { component: 'meshmq-operator', host: 'meshmq-operator-7d9-abc' },
      reportingComponent: 'meshmq-operator', reportingInstance: 'meshmq-operator-7d9-abc',
    });
    expect(byReason['ScaledDown']?.count).toBe(1);
  });

  it('starts a new series when the folded Event has expired', async () => {
    const bc = await createBrokerCluster(emu.api, NS, 'ex');
    const recorder = new EventRecorder({ api: emu.api, logger: silentLogger, metrics, instance: 'op' });
    const cluster = parseBrokerCluster(bc);
    await recorder.event(cluster, { type: 'Normal', reason: 'Created', message: 'm' });
    const first = await emu.api.list<Event & { metadata: { name: string } }>(RESOURCES.event, { namespace: NS, fieldSelector: `involvedObject.uid=${bc.metadata.uid}` });
    await emu.api.delete(RESOURCES.event, NS, first.items[0]?.metadata.name ?? '');
    await recorder.event(cluster, { type: 'Normal', reason: 'Created', message: 'm' });
    const again = await emu.api.list<Event>(RESOURCES.event, { namespace: NS, fieldSelector: `involvedObject.uid=${bc.metadata.uid}` });
    expect(again.items.map((e) => e.count)).toEqual([1]);
  });

  it('drops what the spam filter holds back, per cluster', async () => {
    const bc = await createBrokerCluster(emu.api, NS, 'spam');
    const recorder = new EventRecorder({ api: emu.api, logger: silentLogger, metrics, instance: 'op' });
    const cluster = parseBrokerCluster(bc);
    for (let i = 0; i < 30; i++) await recorder.event(cluster, { type: 'Normal', reason: 'Tick', message: `tick ${i}` });
    const list = await emu.api.list<Event>(RESOURCES.event, { namespace: NS, fieldSelector: `involvedObject.uid=${bc.metadata.uid}` });
    expect(list.items).toHaveLength(25);
  });

  itRequiring({ ok: kubectlInstalled, reason: 'needs kubectl' })('reads well in kubectl describe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshmq-events-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await emu.server.writeKubeconfig(kubeconfig);
      const out = await createKubectl(kubeconfig)('describe', 'bc', 'ev', '-n', NS);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/Warning\s+DrainFailed\s+.*\(x3 over .*\)\s+meshmq-operator\s+pod ev-2 did not drain/);
      expect(out.stdout).toMatch(/Normal\s+ScaledDown\s+.*meshmq-operator\s+replicas 3 -> 2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
