// The readiness decision as a table: the most final state wins, and every reason is a contract value.
import { describe, expect, it } from '@jest/globals';
import { READINESS_REASONS } from '../contract/admin-api.js';
import { decideReadiness, type ReadinessInput } from './readiness.js';

const serving: ReadinessInput = { shuttingDown: false, drain: 'serving', listening: true, cluster: { joined: true, waiting: [] } };

describe('decideReadiness', () => {
  it.each([
    { input: serving, expected: undefined },
    { input: { ...serving, cluster: undefined }, expected: undefined },
    { input: { ...serving, listening: false }, expected: 'starting' },
    { input: { ...serving, cluster: { joined: false, waiting: ['mq-1'] } }, expected: 'not_joined' },
    { input: { ...serving, listening: false, cluster: { joined: false, waiting: [] } }, expected: 'starting' },
    { input: { ...serving, drain: 'draining' as const, cluster: { joined: false, waiting: [] } }, expected: 'draining' },
    { input: { ...serving, drain: 'drained' as const, listening: false }, expected: 'drained' },
    { input: { ...serving, shuttingDown: true, drain: 'drained' as const }, expected: 'shutting_down' },
    { input: { ...serving, storeUp: false }, expected: 'store_unavailable' },
    { input: { ...serving, storeUp: true }, expected: undefined },
    { input: { ...serving, storeUp: false, cluster: { joined: false, waiting: [] } }, expected: 'not_joined' },
  ])('$input -> $expected', ({ input, expected }) => {
    const decision = decideReadiness(input);
    if (expected === undefined) { expect(decision).toEqual({ ready: true }); return; }
    expect(decision).toMatchObject({ ready: false, reason: expected });
    expect(READINESS_REASONS).toContain(expected);
  });

  it('says whom a node still waits for, at most five by name', () => {
    const waiting = Array.from({ length: 7 }, (_, i) => `mq-${i}`);
    const decision = decideReadiness({ ...serving, cluster: { joined: false, waiting } });
    expect(decision).toEqual({ ready: false, reason: 'not_joined', message: 'waiting for routes and retained messages of mq-0, mq-1, mq-2, mq-3, mq-4, and 2 more' });
  });
});
