import { describe, expect, it } from '@jest/globals';
import { summarizeSelfTime, type CpuProfile } from './cpu-profile-summary.js';

const frame = (functionName: string, url = 'file:///work/main/dist/broker/x.js', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeSelfTime', () => {
  it('charges each sample the time until the next one, merges a function seen in several nodes, and ranks by self time', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('parse', 'file:///work/main/dist/broker/codec.js', 9) },
        { id: 3, callFrame: frame('') },
        { id: 4, callFrame: frame('parse', 'file:///work/main/dist/broker/codec.js', 9) },
      ],
      samples: [2, 3, 4, 2, 3],
      timeDeltas: [0, 1000, 3000, 1000, 2000],
    };
    expect(summarizeSelfTime(profile)).toEqual([
      { name: 'parse', location: 'dist/broker/codec.js:10', selfMs: 4, share: 4 / 7 },
      { name: '(anonymous)', location: 'dist/broker/x.js:1', selfMs: 3, share: 3 / 7 },
    ]);
  });

  it('returns nothing for a profile without samples', () => {
    expect(summarizeSelfTime({ nodes: [{ id: 1, callFrame: frame('(root)') }] })).toEqual([]);
  });
});
