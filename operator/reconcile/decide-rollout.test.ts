import { describe, expect, it } from '@jest/globals';
import { aPod, aView, healthyObservations, observe } from '../testing/fixtures.js';
import { decideRollout, isUpEverywhere } from './decide-rollout.js';

const live = (partition: number, templateChanged = false) => ({ partition, updateRevision: 'rev-2', templateChanged });
const three = (revisions: string[], overrides: Array<Partial<ReturnType<typeof aPod>>> = []) =>
  revisions.map((revision, i) => aPod(i, { revision, ...(overrides[i] ?? {}) }));

describe('decideRollout', () => {
  it('does nothing before the StatefulSet exists or when no rollout is under way', () => {
    expect(decideRollout({ replicas: 3, live: undefined, pods: [], observations: new Map() })).toEqual({ kind: 'none', partition: 0 });
    const pods = three(['rev-2', 'rev-2', 'rev-2']);
    expect(decideRollout({ replicas: 3, live: live(0), pods, observations: healthyObservations(pods) })).toEqual({ kind: 'none', partition: 0 });
  });

  it('holds every pod when the template changes', () => {
    const pods = three(['rev-1', 'rev-1', 'rev-1']);
    expect(decideRollout({ replicas: 3, live: live(0, true), pods, observations: healthyObservations(pods) })).toEqual({ kind: 'start', partition: 3 });
  });

  it('releases the highest ordinal first, then the next once it is updated, Ready and up everywhere', () => {
    let pods = three(['rev-1', 'rev-1', 'rev-1']);
    expect(decideRollout({ replicas: 3, live: live(3), pods, observations: healthyObservations(pods) })).toEqual({ kind: 'advance', partition: 2, pod: 'mq-2' });
    // mq-2 replaced but not Ready yet
    pods = three(['rev-1', 'rev-1', 'rev-2'], [{}, {}, { ready: false }]);
    expect(decideRollout({ replicas: 3, live: live(2), pods, observations: healthyObservations(pods) })).toMatchObject({ kind: 'wait', partition: 2, reason: 'mq-2 is not Ready' });
    // Ready, but mq-0 still sees its old life as down
    pods = three(['rev-1', 'rev-1', 'rev-2']);
    const names = pods.map((p) => p.name);
    const stale = observe(pods, { 'mq-0': aView('mq-0', names, { 'mq-2': 'down' }), 'mq-1': aView('mq-1', names), 'mq-2': aView('mq-2', names) });
    expect(decideRollout({ replicas: 3, live: live(2), pods, observations: stale })).toMatchObject({ kind: 'wait', reason: 'not every broker sees mq-2 up yet' });
    expect(decideRollout({ replicas: 3, live: live(2), pods, observations: healthyObservations(pods) })).toEqual({ kind: 'advance', partition: 1, pod: 'mq-1' });
  });

  it('waits while a pod is terminating or missing, or another pod is not Ready', () => {
    let pods = three(['rev-1', 'rev-1', 'rev-2'], [{}, {}, { terminating: true }]);
    expect(decideRollout({ replicas: 3, live: live(2), pods, observations: healthyObservations(pods) }).kind).toBe('wait');
    pods = three(['rev-1', 'rev-1']);
    expect(decideRollout({ replicas: 3, live: live(3), pods, observations: healthyObservations(pods) })).toMatchObject({ kind: 'wait', reason: '1 pod(s) missing' });
    pods = three(['rev-1', 'rev-1', 'rev-1'], [{ ready: false }]);
    expect(decideRollout({ replicas: 3, live: live(3), pods, observations: healthyObservations(pods) })).toMatchObject({ kind: 'wait', reason: 'mq-0 not Ready' });
  });

  it('replaces a next pod that is itself down (replacing it costs nothing)', () => {
    const pods = three(['rev-1', 'rev-1', 'rev-2'], [{}, { ready: false }, {}]);
    expect(decideRollout({ replicas: 3, live: live(2), pods, observations: healthyObservations(pods) })).toEqual({ kind: 'advance', partition: 1, pod: 'mq-1' });
  });

  it('needs the view of the pod itself and of every other pod to call it up everywhere', () => {
    const pods = three(['rev-2', 'rev-2', 'rev-2']);
    const names = pods.map((p) => p.name);
    const missing = observe(pods, { 'mq-0': aView('mq-0', names), 'mq-1': new Error('timeout'), 'mq-2': aView('mq-2', names) });
    expect(isUpEverywhere(pods[2]!, pods, missing)).toBe(false);
    expect(isUpEverywhere(pods[2]!, pods, healthyObservations(pods))).toBe(true);
  });
});
