// The deployment controller's decisions as tables: fenceposts, the first step of a rolling update,
// Recreate, proportional scaling (the Kubernetes docs' 10 → 15 example), history cleanup, status.
import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { buildNewReplicaSet, computePodTemplateHash, equalIgnoringHash } from './deployment-replica-sets.js';
import { planDeploymentSync, resolveFenceposts, type RolloutAction } from './deployment-rollout.js';
import { rolloutStatus } from './deployment-status.js';

const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } });

function deployment(spec: Partial<NonNullable<V1Deployment['spec']>> = {}, status: V1Deployment['status'] = {}): V1Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 2, annotations: {} },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: template('img:2'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec },
    status,
  };
}

/** A ReplicaSet of `d` for `image`, sized and available as given, at a revision, created at `t` s. */
function replicaSet(d: V1Deployment, image: string, replicas: number, available: number, revision: number, t: number, annotations: Record<string, string> = {}): V1ReplicaSet {
  const rs = buildNewReplicaSet({ ...d, spec: { ...d.spec, template: template(image) } } as V1Deployment, replicas, revision, 1);
  rs.metadata = { ...rs.metadata, uid: `rs-${image}`, creationTimestamp: new Date(t * 1000), annotations: { ...rs.metadata?.annotations, ...annotations } };
  rs.status = { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 };
  return rs;
}

const summary = (actions: RolloutAction[]): string[] => actions.map((a) => {
  if (a.type === 'delete') return `delete ${a.name}`;
  const image = a.rs.spec?.template?.spec?.containers[0]?.image ?? '';
  return a.type === 'create' ? `create ${image} ${a.rs.spec?.replicas ?? 0}` : `scale ${image} ${a.from ?? '-'}→${a.to ?? a.rs.spec?.replicas ?? 0}`;
});

describe('deployment fenceposts', () => {
  it.each([
    [4, '25%', '25%', 1, 1], [3, '10%', '10%', 1, 0], [10, 3, 2, 3, 2], [5, 0, 0, 0, 1], [2, '100%', '100%', 2, 2], [1, 0, 3, 0, 1],
  ])('replicas %p maxSurge %p maxUnavailable %p → surge %p unavailable %p', (replicas, maxSurge, maxUnavailable, surge, unavailable) => {
    expect(resolveFenceposts(deployment({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }))).toEqual({ maxSurge: surge, maxUnavailable: unavailable });
  });
});

describe('planDeploymentSync', () => {
  it('starts a rolling update: a new ReplicaSet with the surge, the old one down by maxUnavailable', () => {
    const d = deployment();
    const old = replicaSet(d, 'img:1', 4, 4, 1, 10, { 'deployment.kubernetes.io/desired-replicas': '4' });
    const plan = planDeploymentSync(d, [old], () => []);
    expect(summary(plan.actions)).toEqual(['create img:2 1', 'scale img:1 4→3']);
    expect(plan.createdNewRS).toBe(true);
    expect(plan.revision).toBe('2');
    expect(plan.newRS?.metadata?.name).toBe(`web-${computePodTemplateHash(d.spec?.template, undefined)}`);
    expect(plan.newRS?.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '2', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' });
  });

  it('waits while the new pods are not available (no scale-down below minAvailable)', () => {
    const d = deployment();
    const old = replicaSet(d, 'img:1', 3, 3, 1, 10, { 'deployment.kubernetes.io/desired-replicas': '4' });
    const current = replicaSet(d, 'img:2', 2, 0, 2, 20, { 'deployment.kubernetes.io/desired-replicas': '4' });
    expect(summary(planDeploymentSync(d, [old, current], () => []).actions)).toEqual([]);
  });

  it('scales the unhealthy old pods away first', () => {
    const d = deployment();
    const old = replicaSet(d, 'img:1', 3, 1, 1, 10, { 'deployment.kubernetes.io/desired-replicas': '4' });
    const current = replicaSet(d, 'img:2', 2, 2, 2, 20, { 'deployment.kubernetes.io/desired-replicas': '4' });
    expect(summary(planDeploymentSync(d, [old, current], () => []).actions)).toEqual(['scale img:1 3→1']);
  });

  it('Recreate scales the old ReplicaSet to zero and creates nothing while old pods remain', () => {
    const d = deployment({ strategy: { type: 'Recreate' } });
    const old = replicaSet(d, 'img:1', 4, 4, 1, 10, { 'deployment.kubernetes.io/desired-replicas': '4' });
    expect(summary(planDeploymentSync(d, [old], () => []).actions)).toEqual(['scale img:1 4→0']);
    const stopped = replicaSet(d, 'img:1', 0, 0, 1, 10, { 'deployment.kubernetes.io/desired-replicas': '4' });
    stopped.status = { replicas: 0 };
    const terminating = [{ metadata: { name: 'p' }, status: { phase: 'Running' } }];
    expect(summary(planDeploymentSync(d, [stopped], () => terminating).actions)).toEqual([]);
    expect(summary(planDeploymentSync(d, [stopped], () => []).actions)).toEqual(['create img:2 4']);
  });

  it('scales proportionally in the middle of a rollout (10 → 15: 3 to the old, 2 to the new)', () => {
    const d = deployment({ replicas: 15, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }, { replicas: 13 });
    const sized = { 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' };
    const old = replicaSet(d, 'img:1', 8, 8, 1, 10, sized);
    const current = replicaSet(d, 'img:2', 5, 0, 2, 20, sized);
    const plan = planDeploymentSync(d, [old, current], () => []);
    expect(plan.kind).toBe('scale');
    expect(summary(plan.actions)).toEqual(['scale img:1 8→11', 'scale img:2 5→7']);
    expect(plan.actions.every((a) => a.type === 'update' && a.rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'] === '15')).toBe(true);
  });

  it('deletes the oldest idle ReplicaSets beyond revisionHistoryLimit once complete', () => {
    const d = deployment({ revisionHistoryLimit: 1 }, { replicas: 4, updatedReplicas: 4, availableReplicas: 4, observedGeneration: 2 });
    const sized = { 'deployment.kubernetes.io/desired-replicas': '4' };
    const sets = [replicaSet(d, 'img:0', 0, 0, 1, 5, sized), replicaSet(d, 'img:1', 0, 0, 2, 10, sized), replicaSet(d, 'img:2', 4, 4, 3, 20, sized)];
    for (const rs of sets.slice(0, 2)) rs.status = { replicas: 0, observedGeneration: 1 };
    expect(summary(planDeploymentSync(d, sets, () => []).actions)).toEqual([`delete ${sets[0]?.metadata?.name ?? ''}`]);
  });

  it('a ReplicaSet that comes back (rollback) gets the next revision and remembers the old one', () => {
    const d = deployment({ template: template('img:1') });
    const sized = { 'deployment.kubernetes.io/desired-replicas': '4' };
    const first = replicaSet(d, 'img:1', 0, 0, 1, 10, sized);
    const second = replicaSet(d, 'img:2', 4, 4, 2, 20, sized);
    const plan = planDeploymentSync(d, [first, second], () => []);
    expect(plan.newRS?.metadata?.name).toBe(first.metadata?.name);
    expect(plan.newRS?.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(summary(plan.actions)[0]).toBe('scale img:1 0→1');
  });
});

describe('deployment status', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  it('says Progressing NewReplicaSetAvailable once complete, and times out past the deadline', () => {
    const d = deployment({ progressDeadlineSeconds: 60 }, { replicas: 4, updatedReplicas: 4, readyReplicas: 3, availableReplicas: 3, observedGeneration: 2 });
    const rs = replicaSet(d, 'img:2', 4, 4, 2, 20);
    const conditions = [{ type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', message: '', lastUpdateTime: '2025-01-01T00:09:00Z', lastTransitionTime: '2025-01-01T00:08:00Z' }];
    const done = rolloutStatus(d, [rs], rs, conditions, now).status;
    expect(done).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    expect(done.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata?.name ?? ''}" has successfully progressed.` });
    expect(done.conditions.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const stuck = replicaSet(d, 'img:2', 4, 3, 2, 20);
    const late = rolloutStatus(d, [stuck], stuck, conditions, now + 60_000).status;
    expect(late.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    const early = rolloutStatus(d, [stuck], stuck, conditions, Date.parse('2025-01-01T00:09:30Z'));
    expect(early.requeueAfterMs).toBe(31_000);
  });

  it('equalIgnoringHash ignores the hash label, nulls and empty lists', () => {
    const a = { metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } }, spec: { containers: [{ name: 'c', image: 'i', env: [] }] } };
    const b = { metadata: { creationTimestamp: null as unknown as Date, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(equalIgnoringHash(a, b)).toBe(true);
    expect(equalIgnoringHash(a, { ...b, spec: { containers: [{ name: 'c', image: 'j' }] } })).toBe(false);
  });
});
