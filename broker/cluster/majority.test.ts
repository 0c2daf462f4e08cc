// decideMajority by table: members from discovery (DNS lists every pod, static the seeds), reached
// from membership, departed nodes left out, and the operator's serving grant for a split without one.
import { describe, expect, it } from '@jest/globals';
import { decideMajority, describeNoMajority, type MajorityInput, type MemberTarget } from './majority.js';

const self = (address = '10.0.0.1:4370'): MemberTarget => ({ address, self: true, peer: undefined });
const peer = (name: string, address = `${name}:4370`): MemberTarget => ({ address, self: false, peer: name });
const unknown = (address: string): MemberTarget => ({ address, self: false, peer: undefined });
const base: MajorityInput = { self: 'a', targets: [], up: new Set(), departed: new Set(), grant: undefined, now: 1000 };
const three = [self(), peer('b'), peer('c')];

describe('decideMajority', () => {
  it.each([
    { what: 'a node alone (nothing listed)', input: {}, expected: { basis: 'majority', reached: 1, members: 1, unreached: [] } },
    { what: 'DNS lists only itself', input: { targets: [self()] }, expected: { basis: 'majority', reached: 1, members: 1 } },
    { what: '3 of 3', input: { targets: three, up: new Set(['b', 'c']) }, expected: { basis: 'majority', reached: 3, members: 3 } },
    { what: '2 of 3 (the majority of a 2|1 cut)', input: { targets: three, up: new Set(['b']) }, expected: { basis: 'majority', reached: 2, members: 3, unreached: ['c'] } },
    { what: '1 of 3 (the minority)', input: { targets: three }, expected: { basis: 'none', reached: 1, members: 3, unreached: ['b', 'c'] } },
    {
      what: 'a recreated pod still cut off: the others are listed, never reached',
      input: { targets: [self(), unknown('10.0.0.2:4370'), unknown('10.0.0.3:4370')] },
      expected: { basis: 'none', reached: 1, members: 3, unreached: ['10.0.0.2:4370', '10.0.0.3:4370'] },
    },
    { what: 'static seeds that do not list the node itself', input: { targets: [peer('b'), peer('c')], up: new Set(['b']) }, expected: { basis: 'majority', reached: 2, members: 3 } },
    { what: 'its own address not yet recognised counts once more', input: { targets: [unknown('10.0.0.1:4370'), peer('b'), peer('c')], up: new Set(['b']) }, expected: { basis: 'none', reached: 2, members: 4 } },
    { what: '2 of 4 is no majority (2|2)', input: { targets: [self(), peer('b'), peer('c'), peer('d')], up: new Set(['b']) }, expected: { basis: 'none', reached: 2, members: 4 } },
    { what: '3 of 5', input: { targets: [self(), peer('b'), peer('c'), peer('d'), peer('e')], up: new Set(['b', 'c']) }, expected: { basis: 'majority', reached: 3, members: 5 } },
    { what: 'a node that left is no member (scale-down: still in DNS until its pod goes)', input: { targets: three, departed: new Set(['c']) }, expected: { basis: 'none', reached: 1, members: 2 } },
    { what: 'two that left: alone is a majority', input: { targets: three, departed: new Set(['b', 'c']) }, expected: { basis: 'majority', reached: 1, members: 1 } },
    { what: 'a departed node up again counts', input: { targets: three, up: new Set(['c']), departed: new Set(['c']) }, expected: { basis: 'majority', reached: 2, members: 3 } },
    { what: 'a peer up that discovery does not list is not counted', input: { targets: [self()], up: new Set(['b']) }, expected: { basis: 'majority', reached: 1, members: 1 } },
    {
      what: 'a peer up through its own dial, at an address not reached yet, counts once (as that address)',
      input: { targets: [self(), unknown('10.0.0.2:4370'), peer('c')], up: new Set(['b', 'c']) },
      expected: { basis: 'majority', reached: 2, members: 3, unreached: ['10.0.0.2:4370'] },
    },
    { what: 'one node listed at two addresses is one member', input: { targets: [self(), peer('b', 'x:1'), peer('b', 'y:1'), peer('c')], up: new Set(['b']) }, expected: { basis: 'majority', reached: 2, members: 3 } },
  ])('$what', ({ input, expected }) => {
    const decision = decideMajority({ ...base, ...input });
    expect(decision).toMatchObject({ serving: expected.basis !== 'none', ...expected });
  });

  const split = { targets: three };
  it.each([
    { what: '1|1|1, the grant names only this node', grant: { nodes: ['a'], expiresAt: 2000 }, up: [], expected: 'grant' },
    { what: '2|2, the grant names this node and a peer it reaches', grant: { nodes: ['a', 'b'], expiresAt: 2000 }, up: ['b'], expected: 'grant', targets: [self(), peer('b'), peer('c'), peer('d')] },
    { what: 'the grant names a node it does not reach', grant: { nodes: ['a', 'b'], expiresAt: 2000 }, up: [], expected: 'none' },
    { what: 'the grant names other nodes', grant: { nodes: ['b'], expiresAt: 2000 }, up: [], expected: 'none' },
    { what: 'the grant lapsed', grant: { nodes: ['a'], expiresAt: 1000 }, up: [], expected: 'none' },
    { what: 'a majority needs no grant', grant: { nodes: ['b'], expiresAt: 2000 }, up: ['b'], expected: 'majority' },
  ])('serving grant: $what', ({ grant, up, expected, targets }) => {
    const decision = decideMajority({ ...base, ...split, ...(targets ? { targets } : {}), up: new Set(up), grant });
    expect(decision.basis).toBe(expected);
    expect(decision.serving).toBe(expected !== 'none');
  });

  it('says how many it reaches of how many, and why a grant does not hold', () => {
    const cut = decideMajority({ ...base, targets: three });
    expect(describeNoMajority(cut, 1000)).toBe('reaches 1 of 3 cluster members, not a majority (not reached: b, c)');
    const waiting = decideMajority({ ...base, targets: three, grant: { nodes: ['a', 'c'], expiresAt: 5000 } });
    expect(describeNoMajority(waiting, 1000)).toMatch(/; the serving grant holds only while it reaches c$/);
    expect(describeNoMajority(decideMajority({ ...base, targets: three, grant: { nodes: ['b'], expiresAt: 5000 } }), 1000)).toMatch(/names other nodes$/);
    expect(describeNoMajority(decideMajority({ ...base, targets: three, grant: { nodes: ['a'], expiresAt: 1000 }, now: 4000 }), 4000)).toMatch(/lapsed 3 s ago$/);
    const many = decideMajority({ ...base, targets: [self(), ...'bcdefgh'.split('').map((n) => peer(n))] });
    expect(describeNoMajority(many, 1000)).toBe('reaches 1 of 8 cluster members, not a majority (not reached: b, c, d, e, f, and 2 more)');
  });
});
