import { describe, expect, it } from '@jest/globals';
import { aPod, aView, nodeName, observe } from '../testing/fixtures.js';
import { decideScaleDown } from './decide-scale-down.js';

const five = [0, 1, 2, 3, 4].map((i) => aPod(i));
const names = five.map((p) => p.name);
const views = Object.fromEntries(names.map((n) => [n, aView(n, names)]));

describe('decideScaleDown', () => {
  it('writes the desired count when nothing leaves (first create, steady, scale-up)', () => {
    expect(decideScaleDown({ desiredReplicas: 3, currentReplicas: undefined, pods: [], observations: new Map() })).toEqual({ kind: 'steady', replicas: 3 });
    expect(decideScaleDown({ desiredReplicas: 5, currentReplicas: 5, pods: five, observations: observe(five, views) })).toEqual({ kind: 'steady', replicas: 5 });
    expect(decideScaleDown({ desiredReplicas: 7, currentReplicas: 5, pods: five, observations: observe(five, views) })).toEqual({ kind: 'steady', replicas: 7 });
  });

  it('drains the highest ordinals first, telling each which nodes leave, and keeps the count', () => {
    const decision = decideScaleDown({ desiredReplicas: 3, currentReplicas: 5, pods: five, observations: observe(five, views) });
    expect(decision).toEqual({ kind: 'drain', replicas: 5, pods: ['mq-3', 'mq-4'], exclude: [nodeName('mq-3'), nodeName('mq-4')] });
  });

  it('waits while a leaving pod is draining, then lowers once all are drained', () => {
    const draining = decideScaleDown({ desiredReplicas: 3, currentReplicas: 5, pods: five, observations: observe(five, views, { 'mq-3': 'drained', 'mq-4': 'draining' }) });
    expect(draining).toEqual({ kind: 'wait', replicas: 5, draining: ['mq-4'] });
    const drained = decideScaleDown({ desiredReplicas: 3, currentReplicas: 5, pods: five, observations: observe(five, views, { 'mq-3': 'drained', 'mq-4': 'drained' }) });
    expect(drained).toEqual({ kind: 'lower', replicas: 3, from: 5 });
  });

  it('does not wait for leaving pods that are gone, terminating, not running or unreadable', () => {
    const pods = [aPod(0), aPod(1), aPod(2), aPod(3, { terminating: true }), aPod(4, { phase: 'Failed' })];
    expect(decideScaleDown({ desiredReplicas: 3, currentReplicas: 6, pods, observations: observe(pods, views) })).toEqual({ kind: 'lower', replicas: 3, from: 6 });
    const unreadable = observe(five, { ...views, 'mq-3': new Error('timeout'), 'mq-4': new Error('refused') });
    expect(decideScaleDown({ desiredReplicas: 3, currentReplicas: 5, pods: five, observations: unreadable }).kind).toBe('lower');
  });
});
