import { describe, expect, it } from '@jest/globals';
import { aPod, aView, nodeName, observe } from '../testing/fixtures.js';
import { decideForgetRemoved } from './decide-forget.js';

describe('decideForgetRemoved', () => {
  const pods = [aPod(0), aPod(1), aPod(2)];
  const all = ['mq-0', 'mq-1', 'mq-2', 'mq-3', 'mq-4'];

  it('forgets, on every broker listing them, the nodes of pods removed by a scale-down', () => {
    const views = observe(pods, {
      'mq-0': aView('mq-0', all, { 'mq-3': 'down', 'mq-4': 'suspect' }),
      'mq-1': aView('mq-1', ['mq-0', 'mq-1', 'mq-2', 'mq-4'], { 'mq-4': 'down' }),
      'mq-2': aView('mq-2', ['mq-0', 'mq-1', 'mq-2']),
    });
    expect(decideForgetRemoved('mq', 3, pods, views)).toEqual([
      { pod: 'mq-0', node: nodeName('mq-3') }, { pod: 'mq-0', node: nodeName('mq-4') }, { pod: 'mq-1', node: nodeName('mq-4') },
    ]);
  });

  it('leaves nodes that are up, within the replica count, whose pod still exists, or foreign', () => {
    const withPod3 = [...pods, aPod(3, { terminating: true })];
    const views = observe(withPod3, {
      'mq-0': aView('mq-0', [...all, 'other-0'], { 'mq-1': 'down', 'mq-3': 'down', 'other-0': 'down' }),
    });
    // mq-1 is within the count, mq-3's pod still exists, mq-4 is up, other-0 is not of this set.
    expect(decideForgetRemoved('mq', 3, withPod3, views)).toEqual([]);
  });
});
