// Which nodes are dead (node-liveness.ts): a lapsed lease and no mesh connection, both.
import { describe, expect, it } from '@jest/globals';
import { decideDeadNodes } from './node-liveness.js';

describe('decideDeadNodes', () => {
  const node = (name: string, alive: boolean) => ({ name, incarnation: 'i', alive });
  it.each([
    ['a lapsed lease and not up in the mesh: adopt and forget', [node('b', false)], [{ name: 'b', up: false }], { adopt: ['b'], forget: ['b'] }],
    ['a lapsed lease but up in the mesh (cut off from Redis only): alive', [node('b', false)], [{ name: 'b', up: true }], { adopt: [], forget: [] }],
    ['a live lease but not in the mesh (partitioned from us only): alive', [node('b', true)], [{ name: 'b', up: false }], { adopt: [], forget: [] }],
    ['gone from the registry (another survivor adopted it) and not up: forget only', [], [{ name: 'b', up: false }], { adopt: [], forget: ['b'] }],
    ['registered only (no mesh: a single node, or a node of a previous topology): adopt', [node('old', false)], [], { adopt: ['old'], forget: [] }],
    ['never this node itself', [node('me', false)], [{ name: 'me', up: false }], { adopt: [], forget: [] }],
  ])('%s', (_what, nodes, peers, expected) => {
    expect(decideDeadNodes(nodes, 'me', peers)).toEqual(expected);
  });
});
