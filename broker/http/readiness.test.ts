// The readiness decision as a table: the most final state wins, and every reason is a contract value.
import { describe, expect, it } from '@jest/globals';
import { READINESS_REASONS } from '../contract/admin-api.js';
import type { MajorityDecision } from '../cluster/majority.js';
import { decideReadiness, type ReadinessInput } from './readiness.js';

const majority: MajorityDecision = { serving: true, basis: 'majority', reached: 2, members: 3, unreached: ['mq-2'], grant: undefined };
const minority: MajorityDecision = { serving: false, basis: 'none', reached: 1, members: 3, unreached: ['mq-1', 'mq-2'], grant: undefined };
const granted: MajorityDecision = { ...minority, serving: true, basis: 'grant', grant: { valid: true, listed: true, expiresAt: 2000, unreached: [] } };
const cluster = { joined: true, waiting: [], majority, partitionMode: 'autoheal' as const };
const serving: ReadinessInput = { shuttingDown: false, drain: 'serving', listening: true, cluster, now: 1000 };

describe('decideReadiness', () => {
  it.each([
    { input: serving, expected: undefined },
    { input: { ...serving, cluster: undefined }, expected: undefined },
    { input: { ...serving, listening: false }, expected: 'starting' },
    { input: { ...serving, cluster: { ...cluster, joined: false, waiting: ['mq-1'] } }, expected: 'not_joined' },
    { input: { ...serving, listening: false, cluster: { ...cluster, joined: false } }, expected: 'starting' },
    { input: { ...serving, cluster: { ...cluster, majority: minority } }, expected: 'no_majority' },
    { input: { ...serving, cluster: { ...cluster, majority: minority, partitionMode: 'ignore' as const } }, expected: 'no_majority' },
    { input: { ...serving, cluster: { ...cluster, majority: granted } }, expected: undefined },
    // Not joined yet says whom it waits for, rather than counting members it is still dialing.
    { input: { ...serving, cluster: { ...cluster, joined: false, majority: minority } }, expected: 'not_joined' },
    { input: { ...serving, cluster: { ...cluster, majority: undefined } }, expected: undefined },
    { input: { ...serving, drain: 'draining' as const, cluster: { ...cluster, majority: minority } }, expected: 'draining' },
    { input: { ...serving, drain: 'draining' as const, cluster: { ...cluster, joined: false } }, expected: 'draining' },
    { input: { ...serving, drain: 'drained' as const, listening: false }, expected: 'drained' },
    { input: { ...serving, shuttingDown: true, drain: 'drained' as const }, expected: 'shutting_down' },
    { input: { ...serving, storeUp: false }, expected: 'store_unavailable' },
    { input: { ...serving, storeUp: true }, expected: undefined },
    { input: { ...serving, storeUp: false, cluster: { ...cluster, joined: false, waiting: [] } }, expected: 'not_joined' },
    { input: { ...serving, storeUp: false, cluster: undefined }, expected: 'store_unavailable' },
    { input: { ...serving, storeUp: false, cluster: { ...cluster, majority: minority } }, expected: 'no_majority' },
  ])('$input -> $expected', ({ input, expected }) => {
    const decision = decideReadiness(input);
    if (expected === undefined) { expect(decision).toEqual({ ready: true }); return; }
    expect(decision).toMatchObject({ ready: false, reason: expected });
    expect(READINESS_REASONS).toContain(expected);
  });

  it('says whom a node still waits for, at most five by name', () => {
    const waiting = Array.from({ length: 7 }, (_, i) => `mq-${i}`);
    const decision = decideReadiness({ ...serving, cluster: { ...cluster, joined: false, waiting } });
    expect(decision).toEqual({ ready: false, reason: 'not_joined', message: 'waiting for routes and retained messages of mq-0, mq-1, mq-2, mq-3, mq-4, and 2 more' });
  });

  it('says how many members a node without a majority reaches of how many, and that it paused', () => {
    expect(decideReadiness({ ...serving, cluster: { ...cluster, majority: minority } })).toEqual({
      ready: false, reason: 'no_majority', message: 'reaches 1 of 3 cluster members, not a majority (not reached: mq-1, mq-2)',
    });
    expect(decideReadiness({ ...serving, cluster: { ...cluster, majority: minority, partitionMode: 'pauseMinority' } })).toMatchObject({
      reason: 'no_majority', message: expect.stringMatching(/^reaches 1 of 3 .*; paused \(partitionMode pauseMinority\): clients are refused/) as unknown,
    });
    const lapsed: MajorityDecision = { ...minority, grant: { valid: false, listed: true, expiresAt: 500, unreached: [] } };
    expect(decideReadiness({ ...serving, cluster: { ...cluster, majority: lapsed } })).toMatchObject({ message: expect.stringMatching(/the serving grant lapsed 1 s ago$/) as unknown });
  });
});
