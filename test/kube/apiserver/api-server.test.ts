// The emulator through @kubernetes/client-node: CRUD, errors, selectors, paging, patches,
// status/scale subresources, watch (bookmarks, 410), informers relisting after expiry, GC, auth.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, Watch, makeInformer, setHeaderOptions, type KubeConfig, type V1ConfigMap, type V1Pod } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait.js';
import { startApiServer, type ApiServer } from './api-server.js';

let server: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  server = await startApiServer({ watchCacheSize: 50, bookmarkIntervalMs: 100 });
  kc = server.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => { await server.close(); });

const objects = (): KubernetesObjectApi => KubernetesObjectApi.makeApiClient(kc);

interface HttpError { code: number; body: string }
async function failure(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try { await p; } catch (err) {
    const e = err as HttpError;
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? {});
    return { code: e.code, status: JSON.parse(body) as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

function statefulSet(name: string, replicas = 1) {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'broker', image: 'meshmq:1', ports: [{ containerPort: 1883 }] }] } },
    },
  };
}

describe('CRUD and errors', () => {
  it('creates with server metadata, rejects duplicates, and 404s with a Status', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'crud' }, data: { a: '1' } } });
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(cm.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(cm.metadata?.managedFields?.[0]?.operation).toBe('Update');
    const dup = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'crud' } } }));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "crud" already exists', code: 409 });
    const missing = await failure(apps.readNamespacedStatefulSet({ namespace: 'default', name: 'nope' }));
    expect(missing.status).toMatchObject({ reason: 'NotFound', message: 'statefulsets.apps "nope" not found', details: { name: 'nope', group: 'apps', kind: 'statefulsets' } });
    const noNs = await failure(core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }));
    expect(noNs.status).toMatchObject({ reason: 'NotFound', message: 'namespaces "ghost" not found' });
  });

  it('generates names and honours dryRun', async () => {
    const made = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'gen-' } } });
    expect(made.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dry' } }, dryRun: 'All' });
    expect(dry.metadata?.uid).toBeDefined();
    expect((await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'dry' }))).code).toBe(404);
  });

  it('409s a stale resourceVersion and 422s invalid objects with field causes', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'occ' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'occ', body: { ...cm, data: { x: '1' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'occ', body: { ...cm, data: { x: '2' } } }));
    expect(stale.status).toMatchObject({ reason: 'Conflict', code: 409, message: 'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again' });
    const bad = statefulSet('bad');
    bad.spec.template.metadata.labels = { app: 'other' };
    const invalid = await failure(apps.createNamespacedStatefulSet({ namespace: 'default', body: bad }));
    expect(invalid.code).toBe(422);
    expect(invalid.status['reason']).toBe('Invalid');
    expect((invalid.status['details'] as { causes: Array<{ field: string }> }).causes[0]?.field).toBe('spec.template.metadata.labels');
  });

  it('bumps generation on spec changes only, and keeps status out of main-resource writes', async () => {
    const sts = await apps.createNamespacedStatefulSet({ namespace: 'default', body: statefulSet('gen') });
    expect(sts.metadata?.generation).toBe(1);
    expect(sts.spec?.podManagementPolicy).toBe('OrderedReady');
    const labelled = await objects().patch({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'gen', namespace: 'default', labels: { extra: 'y' } }, status: { replicas: 9 } } as never, undefined, undefined, 'test', undefined, PatchStrategy.MergePatch);
    expect((labelled as { metadata?: { generation?: number } }).metadata?.generation).toBe(1);
    expect((labelled as { status?: { replicas?: number } }).status?.replicas).toBe(0);
    const status = await apps.replaceNamespacedStatefulSetStatus({ namespace: 'default', name: 'gen', body: { ...(labelled as object), spec: { ...statefulSet('gen').spec, replicas: 5 }, status: { replicas: 1, readyReplicas: 1 } } });
    expect(status.status?.readyReplicas).toBe(1);
    expect(status.spec?.replicas).toBe(1);
    expect(status.metadata?.generation).toBe(1);
    await apps.patchNamespacedStatefulSetScale({ namespace: 'default', name: 'gen', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const scale = await apps.readNamespacedStatefulSetScale({ namespace: 'default', name: 'gen' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 1, selector: 'app=gen' } });
    expect((await apps.readNamespacedStatefulSet({ namespace: 'default', name: 'gen' })).metadata?.generation).toBe(2);
  });
});

describe('patch types', () => {
  it('merges containers by name and ports by containerPort (strategic), replaces lists (merge), edits by pointer (json)', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: statefulSet('smp') });
    const smp = await objects().patch({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'smp', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'broker', ports: [{ containerPort: 8081 }], env: [{ name: 'A', value: '1' }] }, { name: 'sidecar', image: 'busybox:1' }] } } },
    } as never, undefined, undefined, 'test', undefined, PatchStrategy.StrategicMergePatch) as unknown as ReturnType<typeof statefulSet>;
    const containers = smp.spec.template.spec.containers as Array<{ name: string; image: string; ports?: Array<{ containerPort: number }> }>;
    expect(containers.map((c) => c.name)).toEqual(['broker', 'sidecar']);
    expect(containers[0]?.image).toBe('meshmq:1');
    expect(containers[0]?.ports?.map((p) => p.containerPort)).toEqual([1883, 8081]);
    const json = await apps.patchNamespacedStatefulSet({ namespace: 'default', name: 'smp', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }, { op: 'test', path: '/spec/serviceName', value: 'smp' }] });
    expect(json.spec?.replicas).toBe(4);
    const failed = await failure(apps.patchNamespacedStatefulSet({ namespace: 'default', name: 'smp', body: [{ op: 'test', path: '/spec/replicas', value: 1 }] }));
    expect(failed.code).toBe(422);
  });

  it('server-side apply creates, merges, records managers and reports conflicts', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data: { a: '1', b: '2' } };
    const created = await objects().patch(cm as never, undefined, undefined, 'operator', true, PatchStrategy.ServerSideApply) as V1ConfigMap;
    expect(created.data).toEqual({ a: '1', b: '2' });
    expect(created.metadata?.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual(['operator/Apply']);
    await objects().patch({ ...cm, data: { a: '9' } } as never, undefined, undefined, 'other', undefined, PatchStrategy.MergePatch);
    const conflict = await failure(objects().patch(cm as never, undefined, undefined, 'operator', false, PatchStrategy.ServerSideApply));
    expect(conflict.code).toBe(409);
    expect(conflict.status['message']).toBe('Apply failed with 1 conflict: conflict with "other" using v1: .data.a');
    const forced = await objects().patch({ ...cm, data: { a: '1' } } as never, undefined, undefined, 'operator', true, PatchStrategy.ServerSideApply) as V1ConfigMap;
    // b was applied before and is no longer: the applier's removal deletes it.
    expect(forced.data).toEqual({ a: '1' });
  });
});

describe('list and watch', () => {
  it('filters by set-based label selectors and field selectors, and pages with continue', async () => {
    for (const [name, tier] of [['l1', 'a'], ['l2', 'b'], ['l3', 'c']] as const) {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels: { tier, group: 'list' } } } });
    }
    const names = async (sel: string): Promise<string[]> => (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: sel })).items.map((i) => i.metadata?.name ?? '');
    expect(await names('group=list,tier in (a,b)')).toEqual(['l1', 'l2']);
    expect(await names('group=list,tier notin (a)')).toEqual(['l2', 'l3']);
    expect(await names('group=list,!missing')).toEqual(['l1', 'l2', 'l3']);
    const byName = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=l2,metadata.namespace=default' });
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(['l2']);
    const page1 = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'group=list', limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata?.remainingItemCount).toBe(1);
    const page2 = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'group=list', limit: 2, _continue: page1.metadata?._continue ?? '' });
    expect(page2.items.map((i) => i.metadata?.name)).toEqual(['l3']);
    const badField = await failure(core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: 'spec.foo=1' }));
    expect(badField.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: spec.foo' });
  });

  it('streams events from a resourceVersion, with selector exits as DELETED and bookmarks', async () => {
    const start = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion ?? '0';
    const events: string[] = [];
    const watch = new Watch(kc);
    const req = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: start, labelSelector: 'watched=yes', allowWatchBookmarks: true },
      (type: string, obj: V1ConfigMap) => { events.push(`${type}:${obj.metadata?.name ?? obj.metadata?.resourceVersion ?? ''}`); }, () => {});
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1', labels: { watched: 'yes' } } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w2' } } });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w1', body: { metadata: { labels: { watched: 'no' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(() => events.includes('DELETED:w1') && events.some((e) => e.startsWith('BOOKMARK')), { what: 'watch events' });
    req.abort();
    expect(events.filter((e) => !e.startsWith('BOOKMARK'))).toEqual(['ADDED:w1', 'DELETED:w1']);
  });

  it('answers a too-old resourceVersion with an ERROR event carrying a 410 Status', async () => {
    for (let i = 0; i < 60; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `churn-${i}` } } });
    const events: Array<{ type: string; obj: { code?: number; reason?: string } }> = [];
    let ended = false;
    await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: '2' }, (type: string, obj: { code?: number; reason?: string }) => { events.push({ type, obj }); }, () => { ended = true; });
    await waitFor(() => ended, { what: 'the expired watch to end' });
    expect(events).toEqual([{ type: 'ERROR', obj: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  it('keeps an informer in sync across a 410 relist', async () => {
    await core.createNamespace({ body: { metadata: { name: 'inf' } } });
    const informer = makeInformer(kc, '/api/v1/namespaces/inf/pods', () => core.listNamespacedPod({ namespace: 'inf' }));
    const seen = new Set<string>();
    informer.on('add', (p: V1Pod) => seen.add(p.metadata?.name ?? ''));
    informer.on('delete', (p: V1Pod) => seen.delete(p.metadata?.name ?? ''));
    await informer.start();
    const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'meshmq:1' }] } });
    await core.createNamespacedPod({ namespace: 'inf', body: pod('p1') });
    await waitFor(() => seen.has('p1'), { what: 'p1 in the informer' });
    // Stop the informer's watch, churn past the watch cache, then let it resume from its old version.
    await informer.stop();
    for (let i = 0; i < 60; i++) await core.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: `c${i}` } } });
    await core.createNamespacedPod({ namespace: 'inf', body: pod('p2') });
    await core.deleteNamespacedPod({ namespace: 'inf', name: 'p1' });
    await informer.start();
    await waitFor(() => seen.has('p2') && !seen.has('p1'), { what: 'the informer to relist after 410' });
    await informer.stop();
  });
});

describe('deletion', () => {
  it('holds objects with finalizers and removes them when the last one goes', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'fin' });
    const held = await core.readNamespacedConfigMap({ namespace: 'default', name: 'fin' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'fin', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect((await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'fin' }))).code).toBe(404);
  });

  it('garbage-collects dependents in background, foreground and orphan modes', async () => {
    const owner = async (name: string) => {
      const o = await apps.createNamespacedStatefulSet({ namespace: 'default', body: statefulSet(name) });
      const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: o.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `${name}-child`, ownerReferences: [ref] } } });
    };
    const gone = async (name: string) => (await core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: `metadata.name=${name}` })).items.length === 0;
    await owner('bg');
    await apps.deleteNamespacedStatefulSet({ namespace: 'default', name: 'bg' });
    await waitFor(() => gone('bg-child'), { what: 'background GC' });
    await owner('fg');
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'fg-child', body: { metadata: { finalizers: ['example.com/slow'] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await apps.deleteNamespacedStatefulSet({ namespace: 'default', name: 'fg', propagationPolicy: 'Foreground' });
    const waiting = await apps.readNamespacedStatefulSet({ namespace: 'default', name: 'fg' });
    expect(waiting.metadata?.finalizers).toContain('foregroundDeletion');
    await waitFor(async () => (await core.readNamespacedConfigMap({ namespace: 'default', name: 'fg-child' })).metadata?.deletionTimestamp, { what: 'the dependent to be deleting' });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'fg-child', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor(async () => (await apps.listNamespacedStatefulSet({ namespace: 'default', fieldSelector: 'metadata.name=fg' })).items.length === 0, { what: 'foreground owner removal' });
    await owner('or');
    await apps.deleteNamespacedStatefulSet({ namespace: 'default', name: 'or', propagationPolicy: 'Orphan' });
    await waitFor(async () => (await apps.listNamespacedStatefulSet({ namespace: 'default', fieldSelector: 'metadata.name=or' })).items.length === 0, { what: 'orphaning owner removal' });
    const orphan = await core.readNamespacedConfigMap({ namespace: 'default', name: 'or-child' });
    expect(orphan.metadata?.ownerReferences).toBeUndefined();
  });

  it('deletes bound pods gracefully until the kubelet confirms with gracePeriodSeconds=0', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'grace' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'meshmq:1' }] } } });
    await core.deleteNamespacedPod({ namespace: 'default', name: 'grace' });
    const terminating = await core.readNamespacedPod({ namespace: 'default', name: 'grace' });
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(30);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'grace', gracePeriodSeconds: 0 });
    expect((await failure(core.readNamespacedPod({ namespace: 'default', name: 'grace' }))).code).toBe(404);
  });
});

describe('authentication', () => {
  it('401s requests without a known bearer token', async () => {
    const secured = await startApiServer({ tls: false, tokens: { 's3cret': 'operator' } });
    try {
      const anonymous = secured.kubeConfig().makeApiClient(CoreV1Api);
      expect((await failure(anonymous.listNamespace())).code).toBe(401);
      const raw = await fetch(`${secured.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer wrong' } });
      expect(raw.status).toBe(401);
      expect(await raw.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      const allowed = secured.kubeConfig({ token: 's3cret' }).makeApiClient(CoreV1Api);
      expect((await allowed.listNamespace()).items.length).toBeGreaterThan(0);
    } finally {
      await secured.close();
    }
  });
});
