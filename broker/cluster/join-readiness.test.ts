// The joined decision behind /readyz, as a table.
import { describe, expect, it } from '@jest/globals';
import { decideJoined } from './join-readiness.js';

const at = (address: string, fields: Partial<{ self: boolean; peer: string; connected: boolean }> = {}) =>
  ({ address, self: fields.self ?? false, peer: fields.peer, connected: fields.connected ?? false });

describe('decideJoined', () => {
  const base = { now: 1000, startedAt: 0, joinTimeoutMs: 5000, isSynced: (p: string) => p === 'b' };
  it.each([
    ['a lone node whose DNS lists only itself', [at('a:1', { self: true })], true],
    ['no addresses at all (static, no seeds)', [], true],
    ['a synced peer', [at('a:1', { self: true }), at('b:1', { peer: 'b', connected: true })], true],
    ['a connected peer still syncing', [at('c:1', { peer: 'c', connected: true })], false],
    ['an address not reached yet, within the bound', [at('d:1')], false],
  ] as const)('%s', (_what, targets, joined) => {
    expect(decideJoined({ ...base, targets: [...targets] }).joined).toBe(joined);
  });

  it('gives up on unreachable addresses past the bound, never on a connected peer', () => {
    const late = { ...base, now: 6000 };
    expect(decideJoined({ ...late, targets: [at('d:1'), at('e:1', { peer: 'e' })] })).toMatchObject({ joined: true, unreachable: ['d:1', 'e:1'] });
    expect(decideJoined({ ...late, targets: [at('c:1', { peer: 'c', connected: true })] }).joined).toBe(false);
  });
});
