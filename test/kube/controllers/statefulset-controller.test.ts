// StatefulSet semantics through the API, with pods as real processes (the generic test image):
// ordered creation, recreation, scale-down from the top, rolling update with partition, status.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { waitFor } from '../../support/wait.js';
import { WatchedCache } from './watched-cache.js';
import { silentLogger } from '../../../broker/contract/logger.js';

const ns = 'default';

function statefulSet(name: string, spec: Partial<NonNullable<V1StatefulSet['spec']>> = {}): V1StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: ns },
    spec: {
      replicas: 3, serviceName: `${name}-headless`, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: 'app', image: 'meshmq/test-image:1', ports: [{ name: 'http', containerPort: 8080 }],
            env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          }],
        },
      },
      ...spec,
    },
  };
}

const isReady = (p: V1Pod | undefined): boolean => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('StatefulSet controller', () => {
  let env: KubeEnvironment;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let pods: WatchedCache<V1Pod>;
  /** Every pod event seen, in order: lets a test check what existed when. */
  const history: Array<{ verb: string; name: string; ready: boolean; readyPods: string[] }> = [];

  beforeAll(async () => {
    env = await startKubeEnvironment({ timeScale: 0.3 });
    core = env.kubeConfig.makeApiClient(CoreV1Api);
    apps = env.kubeConfig.makeApiClient(AppsV1Api);
    pods = await WatchedCache.start<V1Pod>({
      kubeConfig: env.kubeConfig, path: '/api/v1/pods', logger: silentLogger, list: () => core.listPodForAllNamespaces(),
      onChange: (pod, verb) => history.push({ verb, name: pod.metadata?.name ?? '', ready: isReady(pod), readyPods: pods?.list().filter(isReady).map((p) => p.metadata?.name ?? '') ?? [] }),
    });
  }, 30_000);
  afterAll(async () => { await pods?.close(); await env?.close(); }, 30_000);

  const pod = (name: string) => pods.list(ns).find((p) => p.metadata?.name === name);
  const names = (prefix: string) => pods.list(ns).map((p) => p.metadata?.name ?? '').filter((n) => n.startsWith(`${prefix}-`)).sort();
  const readSet = (name: string) => apps.readNamespacedStatefulSet({ name, namespace: ns });

  it('creates pods in order, each after the previous is ready, with identity, owner and status', async () => {
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web-headless' }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'web' } } } });
    const created = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('web') });
    await waitFor(async () => (await readSet('web')).status?.readyReplicas === 3, { what: '3 ready replicas', timeoutMs: 20_000 });
    // web-1 appeared only once web-0 was ready, web-2 once web-1 was.
    const added = (n: string) => history.find((h) => h.verb === 'add' && h.name === n);
    expect(added('web-1')?.readyPods).toContain('web-0');
    expect(added('web-2')?.readyPods).toEqual(expect.arrayContaining(['web-0', 'web-1']));
    const p1 = pod('web-1') as V1Pod;
    expect(p1.metadata?.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1' });
    expect(p1.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true });
    expect(p1.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web-headless', nodeName: env.kubelet.nodeName });
    expect(p1.status?.podIP).toBe(env.podAddress('web-1'));
    const status = (await readSet('web')).status;
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(status?.currentRevision).toBe(status?.updateRevision);
    expect(status?.currentRevision).toBe(p1.metadata?.labels?.['controller-revision-hash']);
    // The pod's name resolves through the cluster DNS to its address.
    await waitFor(() => env.dns.lookup('web-1.web-headless.default.svc.cluster.local')[0] === p1.status?.podIP, { what: 'pod DNS record' });
  }, 30_000);

  it('recreates a deleted pod under the same name, with a new uid and a graceful end for the old one', async () => {
    const old = pod('web-1') as V1Pod;
    await core.deleteNamespacedPod({ name: 'web-1', namespace: ns });
    await waitFor(() => { const p = pod('web-1'); return p && p.metadata?.uid !== old.metadata?.uid && isReady(p); }, { what: 'web-1 recreated and ready', timeoutMs: 20_000 });
    expect(history.some((h) => h.verb === 'update' && h.name === 'web-1')).toBe(true);
    await waitFor(async () => (await readSet('web')).status?.readyReplicas === 3, { what: 'ready again' });
  }, 30_000);

  it('scales down from the highest ordinal, one at a time', async () => {
    const mark = history.length;
    await apps.patchNamespacedStatefulSetScale({ name: 'web', namespace: ns, body: { spec: { replicas: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(() => names('web').join() === 'web-0', { what: 'scaled to 1', timeoutMs: 20_000 });
    const deletions = history.slice(mark).filter((h) => h.verb === 'delete').map((h) => h.name);
    expect(deletions).toEqual(['web-2', 'web-1']);
    await waitFor(async () => { const s = (await readSet('web')).status; return s?.replicas === 1 && s.readyReplicas === 1; }, { what: 'status replicas 1' });
  }, 30_000);

  it('rolls an update from the highest ordinal down to the partition, keeping pods below it', async () => {
    await apps.patchNamespacedStatefulSetScale({ name: 'web', namespace: ns, body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(async () => (await readSet('web')).status?.readyReplicas === 3, { what: 'scaled back to 3', timeoutMs: 20_000 });
    const before = (await readSet('web')).status?.currentRevision;
    await apps.patchNamespacedStatefulSet({ name: 'web', namespace: ns, body: {
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { metadata: { labels: { app: 'web', version: 'two' } } } },
    } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const revision = (p: V1Pod | undefined) => p?.metadata?.labels?.['controller-revision-hash'];
    await waitFor(async () => {
      const set = await readSet('web');
      const s = set.status;
      return s?.updatedReplicas === 2 && s.readyReplicas === 3 && s.observedGeneration === set.metadata?.generation;
    }, { what: '2 pods updated', timeoutMs: 20_000 });
    const status = (await readSet('web')).status;
    expect(status?.currentRevision).toBe(before);
    expect(status?.updateRevision).not.toBe(before);
    expect(revision(pod('web-0'))).toBe(before);
    expect(revision(pod('web-1'))).toBe(status?.updateRevision);
    expect(pod('web-2')?.metadata?.labels?.['version']).toBe('two');
    // Lowering the partition finishes the rollout; the current revision follows.
    await apps.patchNamespacedStatefulSet({ name: 'web', namespace: ns, body: { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(async () => { const s = (await readSet('web')).status; return s?.currentRevision === s?.updateRevision && s?.updatedReplicas === 3 && s.readyReplicas === 3; }, { what: 'rollout complete', timeoutMs: 20_000 });
  }, 60_000);

  it('creates Parallel pods at once', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('par', { podManagementPolicy: 'Parallel' }) });
    await waitFor(() => names('par').length === 3, { what: 'three pods' });
    const adds = history.filter((h) => h.verb === 'add' && h.name.startsWith('par-'));
    expect(adds.every((h) => !h.readyPods.some((n) => n.startsWith('par-')))).toBe(true);
    await waitFor(async () => (await readSet('par')).status?.readyReplicas === 3, { what: 'par ready', timeoutMs: 20_000 });
  }, 30_000);
});
