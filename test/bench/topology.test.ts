import { describe, expect, it } from '@jest/globals';
import { buildTopology } from './topology.js';

describe('buildTopology', () => {
  it('fan-in: every publisher on one topic, one subscriber receives all', () => {
    const plan = buildTopology('fan-in', 3, 'p');
    expect(plan.subscriberFilters).toEqual(['p/fan-in']);
    expect(plan.publishers).toEqual([0, 1, 2].map(() => ({ topic: 'p/fan-in', recipients: [0] })));
  });

  it('pairs: publisher i and subscriber i share a topic no one else uses', () => {
    const plan = buildTopology('pairs', 2, 'p');
    expect(plan.publishers).toEqual([{ topic: 'p/pair/0', recipients: [0] }, { topic: 'p/pair/1', recipients: [1] }]);
    expect(plan.subscriberFilters).toEqual(['p/pair/0', 'p/pair/1']);
  });

  it('fan-out: one publisher, every subscriber receives each message', () => {
    const plan = buildTopology('fan-out', 3, 'p');
    expect(plan.publishers).toEqual([{ topic: 'p/fan-out', recipients: [0, 1, 2] }]);
    expect(plan.subscriberFilters).toHaveLength(3);
  });

  it('rejects a stream count that is not a positive integer', () => {
    expect(() => buildTopology('pairs', 0, 'p')).toThrow(RangeError);
  });
});
