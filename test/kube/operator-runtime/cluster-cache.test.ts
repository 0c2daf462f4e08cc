// The informer cache against the API emulator: a BrokerCluster's children found by owner uid, its
// pods by their StatefulSet, users' Secrets by name, every change enqueueing the owning cluster,
// ServiceMonitors only once their CRD is served, a relist after 410 Expired, watched namespaces.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { silentLogger } from '../../../broker/contract/logger.js';
import { createOperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { InformerClusterCache } from '../../../operator/kube/cluster-cache.js';
import { KubeApi } from '../../../operator/kube/kube-api.js';
import type { ClusterKey } from '../../../operator/reconcile/ports.js';
import { waitFor } from '../../support/wait.js';
import { toKubeConfig } from '../kubeconfig.js';
import { startForbiddingProxy } from './forbidding-proxy.js';
import {
  configMapFor, createBrokerCluster, createNamespace, installCrd, ownedMeta, serviceMonitorCrd, startEmulator, statefulSetFor, type Emulator,
} from './runtime-fixtures.js';

let emu: Emulator;
const metrics = createOperatorMetrics({ defaultMetrics: false });

beforeAll(async () => { emu = await startEmulator({ watchCacheSize: 20 }); });
afterAll(async () => { await emu.close(); });

function startCache(options: { namespaces?: string[]; api?: KubeApi; serviceMonitors?: boolean } = {}) {
  const changes: ClusterKey[] = [];
  const cache = new InformerClusterCache({
    api: options.api ?? emu.api, logger: silentLogger, metrics, onClusterChange: (k) => changes.push(k),
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    ...(options.serviceMonitors === undefined ? {} : { serviceMonitors: options.serviceMonitors }),
    informer: { watchTimeoutSeconds: [1, 1] },
  });
  const saw = (name: string) => changes.some((k) => k.name === name);
  return { cache, changes, saw, clear: () => { changes.length = 0; } };
}

const pod = (owner: KubernetesObject, name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: owner.metadata?.namespace, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: owner.metadata?.name, uid: owner.metadata?.uid, controller: true }] },
  spec: { containers: [{ name: 'broker', image: 'meshmq/broker:0.1.0' }] },
});

describe('InformerClusterCache', () => {
  it('finds a cluster\'s children by owner uid and its pods by ordinal, and enqueues the cluster on every change', async () => {
    const NS = 'owned';
    await createNamespace(emu.api, NS);
    const bc = await createBrokerCluster(emu.api, NS, 'alpha');
    const other = await createBrokerCluster(emu.api, NS, 'beta');
    const { cache, saw, clear } = startCache();
    await cache.start();
    expect(cache.synced).toBe(true);
    expect((cache.brokerCluster({ namespace: NS, name: 'alpha' }) as { spec: unknown }).spec).toEqual({ replicas: 3 });
    expect(cache.clusterKeys()).toEqual(expect.arrayContaining([{ namespace: NS, name: 'alpha' }, { namespace: NS, name: 'beta' }]));

    clear();
    const sts = await emu.api.create<KubernetesObject>(RESOURCES.statefulSet, NS, statefulSetFor(bc), 'test');
    await emu.api.create(RESOURCES.configMap, NS, configMapFor(bc), 'test');
    await emu.api.create(RESOURCES.configMap, NS, configMapFor(other), 'test');
    await emu.api.create(RESOURCES.service, NS, { apiVersion: 'v1', kind: 'Service', metadata: ownedMeta(bc, 'alpha-headless'), spec: { clusterIP: 'None', ports: [{ port: 4370 }] } }, 'test');
    await emu.api.create(RESOURCES.secret, NS, { apiVersion: 'v1', kind: 'Secret', metadata: ownedMeta(bc, 'alpha-cookie'), stringData: { cookie: 'c' } }, 'test');
    await emu.api.create(RESOURCES.podDisruptionBudget, NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: ownedMeta(bc, 'alpha'), spec: { maxUnavailable: 1, selector: { matchLabels: { a: 'b' } } } }, 'test');
    const labels = (statefulSetFor(bc).spec.template.metadata.labels);
    for (const ordinal of [10, 2, 0, 1]) await emu.api.create(RESOURCES.pod, NS, pod(sts, `alpha-${ordinal}`, labels), 'test');

    await waitFor(() => cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).pods.length === 4, { what: 'the pods in the cache' });
    const owned = cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid);
    expect(owned.statefulSet?.metadata?.uid).toBe(sts.metadata?.uid);
    expect(owned.configMaps.map((c) => c.metadata?.name)).toEqual(['alpha-config']);
    expect(owned.services.map((s) => s.metadata?.name)).toEqual(['alpha-headless']);
    expect(owned.secrets.map((s) => s.metadata?.name)).toEqual(['alpha-cookie']);
    expect(owned.podDisruptionBudget?.metadata?.name).toBe('alpha');
    expect(owned.serviceMonitor).toBeUndefined();
    expect(owned.pods.map((p) => p.metadata?.name)).toEqual(['alpha-0', 'alpha-1', 'alpha-2', 'alpha-10']);
    // Times are the API's RFC 3339 text, as the watch delivers them.
    expect(typeof owned.statefulSet?.metadata?.creationTimestamp).toBe('string');
    expect(owned.statefulSet?.metadata?.managedFields).toBeUndefined();
    expect(cache.owned({ namespace: NS, name: 'beta' }, other.metadata.uid).configMaps.map((c) => c.metadata?.name)).toEqual(['beta-config']);
    expect(saw('alpha') && saw('beta')).toBe(true);

    clear();
    await emu.api.mergePatch(RESOURCES.pod, NS, 'alpha-1', { metadata: { labels: { touched: 'yes' } } }, 'test');
    await waitFor(() => saw('alpha'), { what: 'a pod change to enqueue its cluster' });
    clear();
    await emu.api.delete(RESOURCES.configMap, NS, 'alpha-config');
    await waitFor(() => saw('alpha') && cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).configMaps.length === 0, { what: 'a deletion to enqueue its cluster' });
    expect(saw('beta')).toBe(false);
    await cache.stop();
  });

  it('sees users\' Secrets and enqueues the clusters whose spec names them', async () => {
    const NS = 'secrets';
    await createNamespace(emu.api, NS);
    await createBrokerCluster(emu.api, NS, 'tls', { listeners: { tls: { secretName: 'broker-tls' } } });
    await createBrokerCluster(emu.api, NS, 'plain');
    const { cache, saw, clear } = startCache();
    await cache.start();
    clear();
    await emu.api.create(RESOURCES.secret, NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broker-tls', namespace: NS }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } }, 'user');
    await waitFor(() => cache.secret(NS, 'broker-tls'), { what: 'the user\'s Secret in the cache' });
    await waitFor(() => saw('tls'));
    expect(saw('plain')).toBe(false);
    expect(cache.secret(NS, 'nope')).toBeUndefined();
    await cache.stop();
  });

  it('serves ServiceMonitors only once their CRD is installed, and then watches them', async () => {
    const NS = 'monitors';
    await createNamespace(emu.api, NS);
    const bc = await createBrokerCluster(emu.api, NS, 'alpha');
    const { cache, saw, clear } = startCache();
    await cache.start();
    expect(cache.servesKind('monitoring.coreos.com/v1', 'ServiceMonitor')).toBe(false);
    expect(cache.servesKind('apps/v1', 'StatefulSet')).toBe(true);
    expect(cache.servesKind('example.com/v1', 'Unknown')).toBe(false);
    clear();
    await installCrd(emu.api, serviceMonitorCrd());
    await waitFor(() => cache.servesKind('monitoring.coreos.com/v1', 'ServiceMonitor'), { what: 'the new kind to be served' });
    await waitFor(() => saw('alpha'), { what: 'every cluster to be enqueued when the kind appears' });
    await emu.api.create(RESOURCES.serviceMonitor, NS, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: ownedMeta(bc, 'alpha'), spec: { endpoints: [{ port: 'http' }] } }, 'test');
    await waitFor(() => cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).serviceMonitor, { what: 'the ServiceMonitor in the cache' });
    await emu.api.delete(RESOURCES.customResourceDefinition, undefined, 'servicemonitors.monitoring.coreos.com');
    await waitFor(() => !cache.servesKind('monitoring.coreos.com/v1', 'ServiceMonitor'), { what: 'the kind to be gone' });
    expect(cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).serviceMonitor).toBeUndefined();
    await cache.stop();
  });

  it('relists after its watch resumes from a resourceVersion older than the server\'s window (410 Expired)', async () => {
    const NS = 'relist';
    await createNamespace(emu.api, NS);
    const bc = await createBrokerCluster(emu.api, NS, 'alpha');
    const lists: string[] = [];
    const counted = new KubeApi(emu.server.kubeConfig(), { onRequest: (verb, code) => { if (verb === 'list') lists.push(code); } });
    const { cache } = startCache({ api: counted });
    await cache.start();
    await emu.api.create(RESOURCES.configMap, NS, configMapFor(bc), 'test');
    await waitFor(() => cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).configMaps.length === 1);
    const listsBefore = lists.length;
    // ConfigMaps the cache does not select push its last resourceVersion out of the 20-event window.
    for (let i = 0; i < 30; i++) await emu.api.create(RESOURCES.configMap, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `noise-${i}`, namespace: NS } }, 'test');
    // Each watch ends after 1 s; the next one resumes from the expired version, gets 410 and relists.
    await waitFor(() => lists.length > listsBefore, { timeoutMs: 10_000, what: 'a relist' });
    await emu.api.mergePatch(RESOURCES.configMap, NS, 'alpha-config', { data: { after: 'relist' } }, 'test');
    await waitFor(() => cache.owned({ namespace: NS, name: 'alpha' }, bc.metadata.uid).configMaps[0]?.data?.['after'] === 'relist', { what: 'changes after the relist' });
    await cache.stop();
    counted.close();
  });

  it('recovers when the API goes away and comes back', async () => {
    const NS = 'outage';
    // Its own plain-http emulator behind a proxy that can be closed and opened again.
    const plain = await startEmulator({ tls: false });
    try {
      await createNamespace(plain.api, NS);
      const stored = await createBrokerCluster(plain.api, NS, 'alpha');
      let proxy = await startForbiddingProxy(plain.server.url, []);
      const port = Number(new URL(proxy.url).port);
      const kc = toKubeConfig({ server: proxy.url });
      const api = new KubeApi(kc);
      const restarts = async () => (await metrics.watchRestarts.get()).values.reduce((n, v) => n + v.value, 0);
      const before = await restarts();
      const { cache } = startCache({ api });
      await cache.start();
      await proxy.close();
      await waitFor(async () => (await restarts()) > before, { what: 'the informers to notice the outage' });
      await plain.api.create(RESOURCES.configMap, NS, configMapFor(stored), 'test');
      proxy = await startForbiddingProxy(plain.server.url, [], port);
      await waitFor(() => cache.owned({ namespace: NS, name: 'alpha' }, stored.metadata.uid).configMaps.length === 1, { timeoutMs: 15_000, what: 'what changed during the outage' });
      await cache.stop();
      api.close();
      await proxy.close();
    } finally {
      await plain.close();
    }
  });

  it('with serviceMonitors false never touches ServiceMonitors, even when their CRD is served', async () => {
    await installCrd(emu.api, serviceMonitorCrd());
    emu.log.clear();
    const { cache } = startCache({ serviceMonitors: false });
    await cache.start();
    try {
      expect(cache.servesKind('monitoring.coreos.com/v1', 'ServiceMonitor')).toBe(false);
      expect(cache.servesKind('apps/v1', 'StatefulSet')).toBe(true);
      expect(emu.log.requests().filter((e) => e.resource === 'servicemonitors' || e.name === 'servicemonitors.monitoring.coreos.com')).toEqual([]);
    } finally {
      await cache.stop();
      await emu.api.delete(RESOURCES.customResourceDefinition, undefined, 'servicemonitors.monitoring.coreos.com');
    }
  });

  it('watches only the namespaces it is given', async () => {
    await createNamespace(emu.api, 'team-a');
    await createNamespace(emu.api, 'team-b');
    await createBrokerCluster(emu.api, 'team-a', 'a1');
    await createBrokerCluster(emu.api, 'team-b', 'b1');
    const { cache, saw, clear } = startCache({ namespaces: ['team-a'] });
    await cache.start();
    expect(cache.clusterKeys()).toEqual([{ namespace: 'team-a', name: 'a1' }]);
    clear();
    await createBrokerCluster(emu.api, 'team-b', 'b2');
    await createBrokerCluster(emu.api, 'team-a', 'a2');
    await waitFor(() => saw('a2'));
    expect(saw('b2')).toBe(false);
    expect(cache.brokerCluster({ namespace: 'team-b', name: 'b1' })).toBeUndefined();
    await cache.stop();
  });
});
