import { describe, it, expect } from '@jest/globals';
import { AddressPool } from './address-pool.js';
import { liveSlots } from './stale-networks.js';
import { resolvePodKeys } from './pod-network.js';

describe('AddressPool', () => {
  it('allocates round-robin and does not reuse a released address at once', () => {
    const pool = new AddressPool(2, 4);
    expect([pool.allocate(), pool.allocate()]).toEqual([2, 3]);
    pool.release(2);
    expect(pool.allocate()).toBe(4);
    expect(pool.allocate()).toBe(2);
    expect(() => pool.allocate()).toThrow(/exhausted/);
  });
});

describe('liveSlots', () => {
  it('keeps bridges of live owners and of bridges still being configured, marks the rest stale', () => {
    const result = liveSlots([
      { ifname: 'mmqbr1', ifalias: 'meshmq-kube pid=10' },
      { ifname: 'mmqbr2', ifalias: 'meshmq-kube pid=11' },
      { ifname: 'mmqbr3' },
      { ifname: 'docker0' },
    ], (pid) => pid === 10);
    expect([...result.live].sort()).toEqual([1, 3]);
    expect(result.stale).toEqual(['mmqbr2']);
  });
});

describe('resolvePodKeys', () => {
  it('accepts ns/name or a bare name, and rejects unknown pods', () => {
    expect(resolvePodKeys(['a-0', 'x/b-0'], ['default/a-0', 'x/b-0'])).toEqual(['default/a-0', 'x/b-0']);
    expect(() => resolvePodKeys(['c'], ['default/a-0'])).toThrow(/no pod c/);
  });
});
