import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { FakeBrokers, FakeKube } from '../testing/fake-kube.js';
import { aView } from '../testing/fixtures.js';
import { createReconciler } from './reconciler.js';

const key = { namespace: 'prod', name: 'mq' };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(spec: Record<string, unknown> = {}) {
  const kube = new FakeKube();
  const brokers = new FakeBrokers();
  kube.clusters.set('prod/mq', { metadata: { name: 'mq', namespace: 'prod', uid: 'uid-mq', generation: 1, resourceVersion: '1' }, spec, status: {} });
  let t = Date.parse('2026-12-03T10:00:00Z');
  const reconcile = createReconciler({ cache: kube, effects: kube, brokers, random: (n) => Buffer.alloc(n, 1), now: () => t, logger: silent, clusterDomain: 'cluster.local' });
  return { kube, brokers, reconcile, tick: (ms: number) => { t += ms; } };
}

/** Pods as the StatefulSet controller and kubelet would have made them, all Ready, each seeing the others. */
function runPods(kube: FakeKube, brokers: FakeBrokers, count: number, revision = 'rev-1'): void {
  const names = Array.from({ length: count }, (_, i) => `mq-${i}`);
  kube.pods = names.map((name, i): V1Pod => ({
    metadata: { name, namespace: 'prod', uid: `uid-${name}`, labels: { 'controller-revision-hash': revision } },
    status: { phase: 'Running', podIP: `10.1.0.${i + 1}`, conditions: [{ type: 'Ready', status: 'True' }], startTime: new Date(1000 + i) },
  }));
  names.forEach((name, i) => brokers.views.set(`10.1.0.${i + 1}`, aView(name, names)));
  const sts = kube.owned(key).statefulSet as { status?: unknown } | undefined;
  if (sts) sts.status = { replicas: count, readyReplicas: count, updatedReplicas: count, currentRevision: revision, updateRevision: revision };
}

describe('the reconciler', () => {
  it('creates every object of a new cluster, then writes nothing at rest', async () => {
    const { kube, brokers, reconcile } = setup();
    await reconcile(key);
    expect(kube.writes.filter((w) => w.startsWith('apply') || w.startsWith('create')).sort()).toEqual([
      'apply ConfigMap/prod/mq-config', 'apply PodDisruptionBudget/prod/mq', 'apply Service/prod/mq', 'apply Service/prod/mq-headless',
      'apply StatefulSet/prod/mq', 'create Secret/prod/mq-api-token', 'create Secret/prod/mq-cookie',
    ]);
    expect(kube.clusters.get('prod/mq')?.status).toMatchObject({ phase: 'Pending', selector: 'app.kubernetes.io/name=meshmq,app.kubernetes.io/instance=mq,app.kubernetes.io/component=broker' });

    runPods(kube, brokers, 3);
    await reconcile(key);
    expect(kube.clusters.get('prod/mq')?.status).toMatchObject({ phase: 'Running', readyReplicas: 3, nodes: expect.arrayContaining([expect.objectContaining({ pod: 'mq-0', state: 'up', ready: true })]) });
    const ready = kube.clusters.get('prod/mq')?.status.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'AllNodesReady' });

    const before = kube.writes.length;
    await reconcile(key);
    await reconcile(key);
    expect(kube.writes.slice(before)).toEqual([]);
  });

  it('reports an invalid spec in the status and an Event, once', async () => {
    const { kube, reconcile } = setup({ replicas: 0 });
    await reconcile(key);
    await reconcile(key);
    expect(kube.events.filter((e) => e.reason === 'InvalidSpec')).toHaveLength(1);
    const status = kube.clusters.get('prod/mq')?.status;
    expect(status?.phase).toBe('Failed');
    expect(status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'InvalidSpec' });
    expect(status?.conditions?.[0]?.message).toMatch(/spec\.replicas/);
    expect(kube.writes.some((w) => w.startsWith('apply'))).toBe(false);
  });

  it('drains the leaving pods before lowering the StatefulSet, then forgets them', async () => {
    const { kube, brokers, reconcile } = setup({ replicas: 5 });
    await reconcile(key);
    runPods(kube, brokers, 5);
    await reconcile(key);
    kube.clusters.get('prod/mq')!.spec = { replicas: 3 };
    expect((await reconcile(key)).requeueAfterMs).toBeGreaterThan(0);
    expect(brokers.calls).toEqual([
      'drain 10.1.0.4 exclude=mq-3.mq-headless.prod.svc.cluster.local,mq-4.mq-headless.prod.svc.cluster.local',
      'drain 10.1.0.5 exclude=mq-3.mq-headless.prod.svc.cluster.local,mq-4.mq-headless.prod.svc.cluster.local',
    ]);
    expect(kube.owned(key).statefulSet?.spec?.replicas).toBe(5);
    expect(kube.clusters.get('prod/mq')?.status.phase).toBe('Scaling');

    brokers.drains.set('10.1.0.4', { state: 'drained' });
    brokers.drains.set('10.1.0.5', { state: 'drained' });
    await reconcile(key);
    expect(kube.owned(key).statefulSet?.spec?.replicas).toBe(3);

    // The controller removed mq-3 and mq-4; mq-0 still lists mq-4 as down.
    runPods(kube, brokers, 3);
    brokers.views.set('10.1.0.1', aView('mq-0', ['mq-0', 'mq-1', 'mq-2', 'mq-4'], { 'mq-4': 'down' }));
    await reconcile(key);
    expect(brokers.calls.at(-1)).toBe('forget 10.1.0.1 mq-4.mq-headless.prod.svc.cluster.local');
  });

  it('rolls a new template out one pod at a time', async () => {
    const { kube, brokers, reconcile } = setup();
    await reconcile(key);
    runPods(kube, brokers, 3);
    await reconcile(key);
    kube.clusters.get('prod/mq')!.spec = { image: 'meshmq/broker:0.2.0' };
    await reconcile(key);
    const sts = () => kube.owned(key).statefulSet!;
    expect(sts().spec?.updateStrategy?.rollingUpdate?.partition).toBe(3);
    expect(sts().spec?.template.spec?.containers[0]?.image).toBe('meshmq/broker:0.2.0');
    sts().status!.updateRevision = 'rev-2';
    await reconcile(key);
    expect(sts().spec?.updateStrategy?.rollingUpdate?.partition).toBe(2);
    // Until mq-2 runs rev-2 and is Ready, the partition stays.
    await reconcile(key);
    expect(sts().spec?.updateStrategy?.rollingUpdate?.partition).toBe(2);
    kube.pods[2]!.metadata!.labels = { 'controller-revision-hash': 'rev-2' };
    await reconcile(key);
    expect(sts().spec?.updateStrategy?.rollingUpdate?.partition).toBe(1);
    expect(kube.events.filter((e) => e.reason === 'RollingUpdate').map((e) => e.message)).toEqual([
      'new pod template: replacing the brokers one at a time, highest ordinal first', 'replacing mq-2 (partition 2)', 'replacing mq-1 (partition 1)',
    ]);
  });

  it('rolls the pods when the rendered configuration changes', async () => {
    const { kube, brokers, reconcile } = setup();
    await reconcile(key);
    runPods(kube, brokers, 3);
    const hash = () => kube.owned(key).statefulSet?.spec?.template.metadata?.annotations?.['meshmq.io/config-hash'];
    const first = hash();
    kube.clusters.get('prod/mq')!.spec = { logLevel: 'debug' };
    await reconcile(key);
    expect(hash()).not.toBe(first);
    const config = parse(kube.objects.get('ConfigMap/prod/mq-config')?.['data' as never]?.['meshmq.yaml'] ?? '') as { log: unknown };
    expect(config.log).toEqual({ level: 'debug' });
  });

  it('autoheal: a 2|1 split is confirmed after the delay, the minority pod deleted, and the story told', async () => {
    const { kube, brokers, reconcile, tick } = setup({ cluster: { autohealDelay: '10s' } });
    await reconcile(key);
    runPods(kube, brokers, 3);
    await reconcile(key);
    const names = ['mq-0', 'mq-1', 'mq-2'];
    brokers.views.set('10.1.0.1', aView('mq-0', names, { 'mq-2': 'down' }));
    brokers.views.set('10.1.0.2', aView('mq-1', names, { 'mq-2': 'down' }));
    brokers.views.set('10.1.0.3', aView('mq-2', names, { 'mq-0': 'down', 'mq-1': 'down' }));
    await reconcile(key);
    const status = () => kube.clusters.get('prod/mq')!.status;
    expect(status().conditions?.find((c) => c.type === 'Partitioned')).toMatchObject({ status: 'True', reason: 'PartitionSuspected' });
    expect(status().lastPartition).toMatchObject({ groups: [['mq-0', 'mq-1'], ['mq-2']], action: 'waiting' });
    tick(5000);
    await reconcile(key);
    expect(kube.writes.filter((w) => w.startsWith('delete'))).toEqual([]);
    tick(5001);
    await reconcile(key);
    expect(kube.writes.filter((w) => w.startsWith('delete'))).toEqual(['delete Pod/prod/mq-2']);
    expect(status().lastPartition).toMatchObject({ kept: ['mq-0', 'mq-1'], deleted: ['mq-2'], action: 'deleted' });
    expect(kube.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['PartitionDetected', 'AutohealDeleted']));
    // The StatefulSet recreates mq-2, which rejoins.
    runPods(kube, brokers, 3);
    await reconcile(key);
    expect(status().conditions?.find((c) => c.type === 'Partitioned')).toMatchObject({ status: 'False' });
    expect(status().lastPartition?.healedAt).toBeDefined();
    expect(kube.events.at(-1)?.reason).toBe('PartitionHealed');
  });

  it('autoheal: a split that persists after the delete keeps the heal on record, then backs off', async () => {
    const { kube, brokers, reconcile, tick } = setup({ cluster: { autohealDelay: '10s' } });
    await reconcile(key);
    runPods(kube, brokers, 3);
    await reconcile(key);
    const names = ['mq-0', 'mq-1', 'mq-2'];
    const cutOff = (): void => {
      brokers.views.set('10.1.0.1', aView('mq-0', names, { 'mq-2': 'down' }));
      brokers.views.set('10.1.0.2', aView('mq-1', names, { 'mq-2': 'down' }));
      brokers.views.set('10.1.0.3', aView('mq-2', names, { 'mq-0': 'down', 'mq-1': 'down' }));
    };
    cutOff();
    await reconcile(key);
    tick(10_001);
    await reconcile(key);
    const status = () => kube.clusters.get('prod/mq')!.status;
    expect(status().lastPartition).toMatchObject({ deleted: ['mq-2'], action: 'deleted' });
    const detected = kube.events.filter((e) => e.reason === 'PartitionDetected').length;
    // mq-2 is recreated, still cut off: the record of the heal stands, no new split is announced.
    runPods(kube, brokers, 3);
    cutOff();
    tick(2000);
    await reconcile(key);
    expect(status().lastPartition).toMatchObject({ deleted: ['mq-2'], action: 'deleted' });
    expect(status().conditions?.find((c) => c.type === 'Partitioned')?.message).toContain('waiting for them to rejoin');
    expect(kube.events.filter((e) => e.reason === 'PartitionDetected').length).toBe(detected);
    // Past the delay it is the same split again: inside the backoff, nothing deleted.
    tick(10_001);
    await reconcile(key);
    expect(status().lastPartition).toMatchObject({ action: 'backoff', kept: ['mq-0', 'mq-1'] });
    expect(kube.writes.filter((w) => w.startsWith('delete'))).toEqual(['delete Pod/prod/mq-2']);
  });

  it('autoclean: a node unseen past autoclean is forgotten on every broker listing it', async () => {
    const { kube, brokers, reconcile, tick } = setup({ cluster: { autoclean: '1m' } });
    await reconcile(key);
    runPods(kube, brokers, 2);
    const names = ['mq-0', 'mq-1', 'mq-old'];
    const since = Date.parse('2026-12-03T10:00:00Z');
    brokers.views.set('10.1.0.1', aView('mq-0', names, { 'mq-old': 'down' }, since));
    brokers.views.set('10.1.0.2', aView('mq-1', names, { 'mq-old': 'down' }, since));
    kube.clusters.get('prod/mq')!.spec = { cluster: { autoclean: '1m' }, replicas: 2 };
    await reconcile(key);
    expect(brokers.calls.filter((c) => c.startsWith('forget'))).toEqual([]);
    tick(60_001);
    await reconcile(key);
    expect(brokers.calls.filter((c) => c.startsWith('forget'))).toEqual([
      'forget 10.1.0.1 mq-old.mq-headless.prod.svc.cluster.local', 'forget 10.1.0.2 mq-old.mq-headless.prod.svc.cluster.local',
    ]);
    expect(kube.clusters.get('prod/mq')!.status.autocleaned).toEqual([{ node: 'mq-old.mq-headless.prod.svc.cluster.local', lastSeenUp: '2026-12-03T10:00:00.000Z', removedAt: '2026-12-03T10:01:00.001Z' }]);
  });
});
