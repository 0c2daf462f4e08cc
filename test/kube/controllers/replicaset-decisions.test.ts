// Which pods a ReplicaSet deletes first (ActivePodsWithRanks), how many it creates, its status,
// and the expectations that keep a stale cache from acting twice.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from './controller-expectations.js';
import { computeReplicaSetStatus, decideReplicaSetAction } from './replicaset-decisions.js';

const now = Date.parse('2025-01-01T01:00:00Z');
const rs = (replicas: number, minReadySeconds = 0): V1ReplicaSet => ({
  metadata: { name: 'web-abc', generation: 3 },
  spec: { replicas, minReadySeconds, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'front' } } } },
});

interface PodShape { name: string; node?: string; phase?: string; readyFor?: number; restarts?: number; age?: number; cost?: number; labels?: Record<string, string> }
function pod(p: PodShape): V1Pod {
  return {
    metadata: {
      name: p.name, uid: p.name, labels: p.labels ?? { app: 'web', tier: 'front' }, creationTimestamp: new Date(now - (p.age ?? 3600) * 1000),
      ...(p.cost === undefined ? {} : { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(p.cost) } }),
    },
    spec: { containers: [], ...(p.node ? { nodeName: p.node } : {}) },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.readyFor === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(now - p.readyFor * 1000) }],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: p.readyFor !== undefined, restartCount: p.restarts ?? 0 }],
    },
  };
}

const deleted = (replicas: number, pods: V1Pod[], related: V1Pod[] = pods): string[] => {
  const action = decideReplicaSetAction(rs(replicas), pods, related, now);
  return action.type === 'delete' ? action.pods.map((p) => p.metadata?.name ?? '') : [];
};

describe('decideReplicaSetAction', () => {
  it('creates the missing pods, at most 500 at once', () => {
    expect(decideReplicaSetAction(rs(3), [pod({ name: 'a', node: 'n', readyFor: 10 })], [], now)).toEqual({ type: 'create', count: 2 });
    expect(decideReplicaSetAction(rs(900), [], [], now)).toEqual({ type: 'create', count: 500 });
    expect(decideReplicaSetAction({ ...rs(3), metadata: { name: 'x', deletionTimestamp: new Date() } }, [], [], now)).toEqual({ type: 'none' });
  });

  it.each([
    ['unscheduled before scheduled', [{ name: 'on-node', node: 'n', readyFor: 100 }, { name: 'unscheduled', phase: 'Pending' }], 'unscheduled'],
    ['Pending before Running', [{ name: 'running', node: 'n', readyFor: 100 }, { name: 'pending', node: 'n', phase: 'Pending' }], 'pending'],
    ['not ready before ready', [{ name: 'ready', node: 'n', readyFor: 100 }, { name: 'unready', node: 'n' }], 'unready'],
    ['lower deletion cost first', [{ name: 'costly', node: 'n', readyFor: 100, cost: 10 }, { name: 'cheap', node: 'n', readyFor: 100, cost: -5 }], 'cheap'],
    ['doubled up on a node first', [{ name: 'alone', node: 'n1', readyFor: 100 }, { name: 'crowded', node: 'n2', readyFor: 100 }], 'crowded'],
    ['ready for less time first', [{ name: 'veteran', node: 'n', readyFor: 10_000 }, { name: 'fresh', node: 'n', readyFor: 5 }], 'fresh'],
    ['more restarts first', [{ name: 'steady', node: 'n', readyFor: 100 }, { name: 'flaky', node: 'n', readyFor: 100, restarts: 7 }], 'flaky'],
    ['newer first', [{ name: 'old', node: 'n', readyFor: 100, age: 100_000 }, { name: 'young', node: 'n', readyFor: 100, age: 120 }], 'young'],
  ])('deletes %s', (_what, shapes, expected) => {
    const pods = shapes.map(pod);
    const related = _what === 'doubled up on a node first' ? [...pods, pod({ name: 'sibling', node: 'n2', readyFor: 100 })] : pods;
    expect(deleted(1, pods, related)).toEqual([expected]);
  });
});

describe('computeReplicaSetStatus', () => {
  it('counts fully labeled, ready, and available after minReadySeconds', () => {
    const pods = [pod({ name: 'a', node: 'n', readyFor: 60 }), pod({ name: 'b', node: 'n', readyFor: 5 }), pod({ name: 'c', node: 'n', labels: { app: 'web' } })];
    expect(computeReplicaSetStatus(rs(3, 30), pods, now)).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  });
});

describe('ControllerExpectations', () => {
  it('holds a key until every expected create and delete was seen, or five minutes passed', () => {
    let t = 0;
    const e = new ControllerExpectations(() => t);
    e.expectCreations('ns/rs', 2);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    expect(e.satisfied('ns/rs')).toBe(false);
    t += EXPECTATIONS_TIMEOUT_MS + 1;
    expect(e.satisfied('ns/rs')).toBe(true);
  });
});
