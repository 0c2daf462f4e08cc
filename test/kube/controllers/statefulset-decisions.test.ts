import { describe, it, expect } from '@jest/globals';
import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { computeStatefulSetStatus, decideStatefulSetActions } from './statefulset-decisions.js';
import { buildStatefulSetPod } from './statefulset-pod.js';
import { revisionName } from './statefulset-revision.js';

function set(spec: Partial<NonNullable<V1StatefulSet['spec']>> = {}): V1StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 3 },
    spec: { replicas: 3, serviceName: 'web-h', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  };
}
function pod(s: V1StatefulSet, ordinal: number, revision: string, state: 'ready' | 'running' | 'pending' | 'terminating' | 'failed' = 'ready'): V1Pod {
  const p = buildStatefulSetPod(s, s.spec!.template, ordinal, revision);
  const ready = state === 'ready' || state === 'terminating';
  p.status = {
    phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(0) }],
  };
  if (state === 'terminating') p.metadata!.deletionTimestamp = new Date(0);
  return p;
}
const decide = (s: V1StatefulSet, pods: V1Pod[], current = 'r1', update = 'r1') => decideStatefulSetActions({ set: s, pods, currentRevision: current, updateRevision: update });

describe('decideStatefulSetActions', () => {
  it('OrderedReady creates one pod at a time, each after the previous is ready', () => {
    const s = set();
    expect(decide(s, [])).toEqual([{ type: 'create', ordinal: 0, revision: 'update' }]);
    expect(decide(s, [pod(s, 0, 'r1', 'running')])).toEqual([]);
    expect(decide(s, [pod(s, 0, 'r1')])).toEqual([{ type: 'create', ordinal: 1, revision: 'update' }]);
  });
  it('Parallel creates every missing pod at once and replaces deleted ones', () => {
    const s = set({ podManagementPolicy: 'Parallel' });
    expect(decide(s, [pod(s, 1, 'r1', 'pending')])).toEqual([{ type: 'create', ordinal: 0, revision: 'update' }, { type: 'create', ordinal: 2, revision: 'update' }]);
  });
  it('replaces a finished pod', () => {
    const s = set({ replicas: 1 });
    expect(decide(s, [pod(s, 0, 'r1', 'failed')])).toEqual([{ type: 'delete', name: 'web-0', reason: 'finished' }]);
  });
  it('scales down from the highest ordinal, one at a time, waiting for termination', () => {
    const s = set({ replicas: 1 });
    const pods = [pod(s, 0, 'r1'), pod(s, 1, 'r1'), pod(s, 2, 'r1')];
    expect(decide(s, pods)).toEqual([{ type: 'delete', name: 'web-2', reason: 'scale-down' }]);
    expect(decide(s, [pods[0]!, pods[1]!, pod(s, 2, 'r1', 'terminating')])).toEqual([]);
    const parallel = set({ replicas: 1, podManagementPolicy: 'Parallel' });
    expect(decide(parallel, pods).map((a) => a.type === 'delete' && a.name)).toEqual(['web-2', 'web-1']);
  });
  it('rolls the update from the highest ordinal down to the partition, waiting for health', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
    const old = [pod(s, 0, 'r1'), pod(s, 1, 'r1'), pod(s, 2, 'r1')];
    expect(decide(s, old, 'r1', 'r2')).toEqual([{ type: 'delete', name: 'web-2', reason: 'update' }]);
    expect(decide(s, [old[0]!, old[1]!, pod(s, 2, 'r2', 'running')], 'r1', 'r2')).toEqual([]);
    expect(decide(s, [old[0]!, old[1]!, pod(s, 2, 'r2')], 'r1', 'r2')).toEqual([{ type: 'delete', name: 'web-1', reason: 'update' }]);
    expect(decide(s, [old[0]!, pod(s, 1, 'r2'), pod(s, 2, 'r2')], 'r1', 'r2')).toEqual([]);
    // Below the partition, a recreated pod keeps the current revision.
    expect(decide(s, [pod(s, 1, 'r2'), pod(s, 2, 'r2')], 'r1', 'r2')).toEqual([{ type: 'create', ordinal: 0, revision: 'current' }]);
    const onDelete = set({ updateStrategy: { type: 'OnDelete' } });
    expect(decide(onDelete, old, 'r1', 'r2')).toEqual([]);
  });
});

describe('computeStatefulSetStatus', () => {
  it('counts pods by readiness and revision, and completes the update when all run it ready', () => {
    const s = set();
    const status = computeStatefulSetStatus({ set: s, pods: [pod(s, 0, 'r1'), pod(s, 1, 'r2'), pod(s, 2, 'r2', 'running')], currentRevision: 'r1', updateRevision: 'r2' }, 0);
    expect(status).toEqual({ observedGeneration: 3, replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 2, currentRevision: 'r1', updateRevision: 'r2', collisionCount: 0 });
    const done = computeStatefulSetStatus({ set: s, pods: [pod(s, 0, 'r2'), pod(s, 1, 'r2'), pod(s, 2, 'r2')], currentRevision: 'r1', updateRevision: 'r2' }, 0);
    expect(done).toMatchObject({ currentRevision: 'r2', currentReplicas: 3, updatedReplicas: 3 });
  });
});

describe('pods and revisions', () => {
  it('builds <set>-<ordinal> with identity labels, owner reference, hostname and subdomain', () => {
    const s = set();
    const p = buildStatefulSetPod(s, s.spec!.template, 2, 'web-abc');
    expect(p.metadata).toMatchObject({
      name: 'web-2', namespace: 'ns',
      labels: { app: 'web', 'controller-revision-hash': 'web-abc', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec).toMatchObject({ hostname: 'web-2', subdomain: 'web-h' });
  });
  it('names a revision by a hash of the template, independent of key order', () => {
    const a = set();
    const b = set({ template: { spec: { containers: [{ image: 'busybox', name: 'c' }] }, metadata: { labels: { app: 'web' } } } });
    expect(revisionName(a)).toBe(revisionName(b));
    expect(revisionName(a)).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(revisionName(set({ template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } }))).not.toBe(revisionName(a));
  });
});
