// The target choice as a table: deterministic, spread over the candidates, stable when one goes.
import { describe, expect, it } from '@jest/globals';
import { chooseHandoffTarget } from './handoff-target.js';

const ids = Array.from({ length: 3000 }, (_, i) => `client-${i}`);

describe('chooseHandoffTarget', () => {
  it.each([
    { clientId: 'a', candidates: [], expected: undefined },
    { clientId: 'a', candidates: ['mq-1'], expected: 'mq-1' },
    { clientId: 'sensor/42', candidates: ['only'], expected: 'only' },
  ])('$clientId over $candidates -> $expected', ({ clientId, candidates, expected }) => {
    expect(chooseHandoffTarget(clientId, candidates)).toBe(expected);
  });

  it('does not depend on the order of the candidates', () => {
    for (const id of ids.slice(0, 200)) {
      expect(chooseHandoffTarget(id, ['mq-0', 'mq-1', 'mq-2'])).toBe(chooseHandoffTarget(id, ['mq-2', 'mq-0', 'mq-1']));
    }
  });

  it('spreads sessions evenly', () => {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const t = chooseHandoffTarget(id, ['mq-0', 'mq-1', 'mq-2']) as string;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['mq-0', 'mq-1', 'mq-2']);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('moves only the sessions of a candidate that is excluded', () => {
    for (const id of ids) {
      const before = chooseHandoffTarget(id, ['mq-0', 'mq-1', 'mq-2']);
      const after = chooseHandoffTarget(id, ['mq-0', 'mq-2']);
      if (before !== 'mq-1') expect(after).toBe(before);
      else expect(['mq-0', 'mq-2']).toContain(after);
    }
  });
});
