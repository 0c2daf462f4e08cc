// The applier against the API emulator: compare-then-write with server-side apply. Writes are
// counted from the emulator's own request log: applying twice writes once, a drifted field is
// written back once, a field dropped from desired leaves the live object, createIfAbsent never
// overwrites, a normalisation we do not model costs one write and no loop, pods are deleted by uid.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { silentLogger } from '../../../broker/contract/logger.js';
import { createOperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { InformerClusterCache } from '../../../operator/kube/cluster-cache.js';
import { KubeApplier } from '../../../operator/kube/kube-applier.js';
import type { DesiredObject } from '../../../operator/reconcile/ports.js';
import { waitFor } from '../../support/wait.js';
import { configMapFor, createBrokerCluster, createNamespace, startEmulator, statefulSetFor, type Emulator, type StoredCluster } from './runtime-fixtures.js';

const NS = 'apply';
let emu: Emulator;
let cache: InformerClusterCache;
let applier: KubeApplier;
let cluster: StoredCluster;
const metrics = createOperatorMetrics({ defaultMetrics: false });

beforeAll(async () => {
  emu = await startEmulator();
  await createNamespace(emu.api, NS);
  cluster = await createBrokerCluster(emu.api, NS, 'alpha');
  cache = new InformerClusterCache({ api: emu.api, logger: silentLogger, metrics, onClusterChange: () => {} });
  await cache.start();
  applier = new KubeApplier({ api: emu.api, cache, logger: silentLogger, metrics });
});
afterAll(async () => { await cache.stop(); await emu.close(); });

type Cm = KubernetesObject & { data?: Record<string, string> };
type Sts = KubernetesObject & { spec: { replicas: number; template: { spec: { containers: Array<Record<string, unknown>> } } } };

/** Waits until the cache holds the object at the resourceVersion the API has now. */
async function cacheCaughtUp(kind: 'ConfigMap' | 'StatefulSet', name: string): Promise<void> {
  const resource = kind === 'ConfigMap' ? RESOURCES.configMap : RESOURCES.statefulSet;
  const live = await emu.api.get<KubernetesObject>(resource, NS, name);
  await waitFor(() => {
    const found = cache.lookup(resource.apiVersion, resource.kind, NS, name);
    return found.cached && found.object?.metadata?.resourceVersion === live?.metadata?.resourceVersion;
  }, { what: `the cache to hold ${kind} ${name} as stored` });
}

describe('apply', () => {
  it('creates, then writes nothing while nothing changed', async () => {
    emu.log.clear();
    const desired = configMapFor(cluster) as DesiredObject;
    expect(await applier.apply(desired)).toBe('created');
    await cacheCaughtUp('ConfigMap', 'alpha-config');
    expect(await applier.apply(desired)).toBe('unchanged');
    expect(await applier.apply(configMapFor(cluster) as DesiredObject)).toBe('unchanged');
    expect(emu.log.writes({ resource: 'configmaps' }).map((r) => [r.verb, r.code, r.fieldManager])).toEqual([['patch', 201, 'meshmq-operator']]);
    const stored = await emu.api.get<Cm>(RESOURCES.configMap, NS, 'alpha-config');
    expect(stored?.metadata?.annotations?.['meshmq.io/applied-hash']).toMatch(/^[0-9a-f]{20}$/);
    expect(stored?.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['meshmq-operator', 'Apply']]);
  });

  it('writes back a field someone else changed, once', async () => {
    await emu.api.mergePatch(RESOURCES.configMap, NS, 'alpha-config', { data: { 'broker.yaml': 'edited by hand' } }, 'kubectl-edit');
    await cacheCaughtUp('ConfigMap', 'alpha-config');
    emu.log.clear();
    expect(await applier.apply(configMapFor(cluster) as DesiredObject)).toBe('updated');
    await cacheCaughtUp('ConfigMap', 'alpha-config');
    expect(await applier.apply(configMapFor(cluster) as DesiredObject)).toBe('unchanged');
    expect(emu.log.writes({ resource: 'configmaps' })).toHaveLength(1);
    expect((await emu.api.get<Cm>(RESOURCES.configMap, NS, 'alpha-config'))?.data).toEqual({ 'broker.yaml': 'log: {level: info}\n' });
  });

  it('leaves fields of other managers alone and removes a field dropped from desired', async () => {
    await emu.api.mergePatch(RESOURCES.configMap, NS, 'alpha-config', { data: { 'theirs': 'kept' } }, 'someone-else');
    await applier.apply(configMapFor(cluster, { 'broker.yaml': 'a', 'extra.yaml': 'b' }));
    expect(Object.keys((await emu.api.get<Cm>(RESOURCES.configMap, NS, 'alpha-config'))?.data ?? {}).sort()).toEqual(['broker.yaml', 'extra.yaml', 'theirs']);
    await cacheCaughtUp('ConfigMap', 'alpha-config');
    // Their key does not make ours differ: nothing to write.
    expect(await applier.apply(configMapFor(cluster, { 'broker.yaml': 'a', 'extra.yaml': 'b' }) as DesiredObject)).toBe('unchanged');
    expect(await applier.apply(configMapFor(cluster, { 'broker.yaml': 'a' }) as DesiredObject)).toBe('updated');
    expect((await emu.api.get<Cm>(RESOURCES.configMap, NS, 'alpha-config'))?.data).toEqual({ 'broker.yaml': 'a', theirs: 'kept' });
  });

  // (The emulator stores quantities as sent; the real API server's canonical forms are covered by desired-subset.test.ts.)
  it('compares a StatefulSet with the defaults the server added, and writes back a scaled one', async () => {
    emu.log.clear();
    const desired = statefulSetFor(cluster);
    desired.spec.template.spec.containers[0]!.resources = { requests: { cpu: '0.25', memory: '256Mi' }, limits: { memory: '1024Mi' } };
    expect(await applier.apply(desired as DesiredObject)).toBe('created');
    await cacheCaughtUp('StatefulSet', 'alpha');
    const stored = await emu.api.get<Sts>(RESOURCES.statefulSet, NS, 'alpha');
    expect(stored?.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' });
    expect(await applier.apply(desired as DesiredObject)).toBe('unchanged');
    // Someone scales the StatefulSet behind the operator's back: drift on a field we set.
    await emu.api.mergePatch(RESOURCES.statefulSet, NS, 'alpha', { spec: { replicas: 7 } }, 'kubectl');
    await cacheCaughtUp('StatefulSet', 'alpha');
    expect(await applier.apply(desired as DesiredObject)).toBe('updated');
    expect((await emu.api.get<Sts>(RESOURCES.statefulSet, NS, 'alpha'))?.spec.replicas).toBe(3);
    expect(emu.log.writes({ resource: 'statefulsets' }).filter((r) => r.fieldManager === 'meshmq-operator')).toHaveLength(2);
  });

  it('writes once, not in a loop, when the server stores a field differently than we model', async () => {
    // A Service asking for clusterIP "" gets one allocated: desired is never a subset of what is stored.
    const svc = {
      apiVersion: 'v1', kind: 'Service',
      metadata: { ...configMapFor(cluster).metadata, name: 'alpha' },
      spec: { clusterIP: '', selector: { app: 'x' }, ports: [{ name: 'mqtt', port: 1883, targetPort: 'mqtt' }] },
    } as DesiredObject;
    const before = (await metrics.writeLoopsPrevented.get()).values.reduce((n, v) => n + v.value, 0);
    emu.log.clear();
    expect(await applier.apply(svc)).toBe('created');
    const stored = await emu.api.get<{ spec: { clusterIP: string } }>(RESOURCES.service, NS, 'alpha');
    expect(stored?.spec.clusterIP).toMatch(/^10\./);
    await waitFor(() => { const f = cache.lookup('v1', 'Service', NS, 'alpha'); return f.cached && f.object; });
    for (let i = 0; i < 3; i++) expect(await applier.apply(svc)).toBe('unchanged');
    expect(emu.log.writes({ resource: 'services' })).toHaveLength(1);
    expect((await metrics.writeLoopsPrevented.get()).values.reduce((n, v) => n + v.value, 0)).toBe(before + 1);
  });
});

describe('createIfAbsent', () => {
  it('creates a generated Secret once and never overwrites it', async () => {
    const secret = (cookie: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { ...configMapFor(cluster).metadata, name: 'alpha-cookie' }, type: 'Opaque', stringData: { cookie } }) as DesiredObject;
    emu.log.clear();
    expect(await applier.createIfAbsent(secret('first'))).toBe('created');
    expect(await applier.createIfAbsent(secret('second'))).toBe('exists');
    await waitFor(() => cache.secret(NS, 'alpha-cookie'));
    expect(await applier.createIfAbsent(secret('third'))).toBe('exists');
    const stored = await emu.api.get<{ data: Record<string, string> }>(RESOURCES.secret, NS, 'alpha-cookie');
    expect(Buffer.from(stored?.data['cookie'] ?? '', 'base64').toString()).toBe('first');
    expect(emu.log.writes({ resource: 'secrets' })).toHaveLength(1);
  });

  it('takes an object made behind its back (409 AlreadyExists) as existing', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unlabelled', namespace: NS }, data: { a: 'user' } };
    await emu.api.create(RESOURCES.configMap, NS, body, 'user');
    // Not labelled as ours, so not in the cache: the create is tried and refused.
    expect(await applier.createIfAbsent({ ...body, data: { a: 'operator' } } as DesiredObject)).toBe('exists');
    expect((await emu.api.get<Cm>(RESOURCES.configMap, NS, 'unlabelled'))?.data).toEqual({ a: 'user' });
  });
});

describe('deletePod', () => {
  it('deletes the pod with that uid only, and takes a missing one as done', async () => {
    const pod = await emu.api.create<KubernetesObject>(RESOURCES.pod, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'alpha-0', namespace: NS }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'test');
    expect(await applier.deletePod(NS, 'alpha-0', 'not-its-uid')).toBe('absent');
    expect(await emu.api.get(RESOURCES.pod, NS, 'alpha-0')).toBeDefined();
    expect(await applier.deletePod(NS, 'alpha-0', pod.metadata?.uid ?? '')).toBe('deleted');
    expect(await emu.api.get(RESOURCES.pod, NS, 'alpha-0')).toBeUndefined();
    expect(await applier.deletePod(NS, 'alpha-0', pod.metadata?.uid ?? '')).toBe('absent');
  });
});
