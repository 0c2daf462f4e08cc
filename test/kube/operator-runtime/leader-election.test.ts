// Two electors on one Lease in the API emulator: exactly one leads; when the leader stops renewing
// without releasing (a killed process) the other leads once the lease expires; when the leader
// releases it (a graceful stop) the other leads at its next try; a leader that cannot renew
// within the renew deadline gives leadership up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../../broker/contract/logger.js';
import { createOperatorMetrics } from '../../../operator/metrics/operator-metrics.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { KubeApi } from '../../../operator/kube/kube-api.js';
import { LeaseElector } from '../../../operator/kube/lease-elector.js';
import type { LeaseSpec } from '../../../operator/kube/lease-decision.js';
import { waitFor } from '../../support/wait.js';
import { createNamespace, startEmulator, type Emulator } from './runtime-fixtures.js';

const NS = 'operators';
const TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };
let emu: Emulator;

beforeAll(async () => { emu = await startEmulator(); await createNamespace(emu.api, NS); });
afterAll(async () => { await emu.close(); });

function elector(identity: string, lease: string, api: KubeApi = emu.api) {
  const log: string[] = [];
  const e = new LeaseElector({
    api, namespace: NS, name: lease, identity, ...TIMING, logger: silentLogger, metrics: createOperatorMetrics({ defaultMetrics: false }),
    onStartedLeading: () => log.push('started'), onStoppedLeading: () => log.push('lost'),
  });
  return { e, log };
}

async function holder(lease: string): Promise<LeaseSpec | undefined> {
  return (await emu.api.get<{ spec?: LeaseSpec }>(RESOURCES.lease, NS, lease))?.spec;
}

describe('LeaseElector', () => {
  it('lets exactly one of two lead, and the other take over within the lease duration when the leader dies', async () => {
    const a = elector('op-a', 'kill');
    const b = elector('op-b', 'kill');
    a.e.start(); b.e.start();
    await waitFor(() => a.e.isLeader || b.e.isLeader, { what: 'a leader' });
    const [leader, standby] = a.e.isLeader ? [a, b] : [b, a];
    // Many retry periods later, still exactly one.
    const renewsBefore = (await holder('kill'))?.renewTime;
    await waitFor(async () => (await holder('kill'))?.renewTime !== renewsBefore, { what: 'a renewal' });
    expect([a.e.isLeader, b.e.isLeader].filter(Boolean)).toHaveLength(1);
    expect(standby.log).toEqual([]);
    const spec = await holder('kill');
    expect(spec?.holderIdentity).toBe(leader === a ? 'op-a' : 'op-b');
    expect(spec?.leaseDurationSeconds).toBe(2);

    // kill: stop renewing, no release.
    const killedAt = Date.now();
    await leader.e.stop({ release: false });
    await waitFor(() => standby.e.isLeader, { timeoutMs: 5000, what: 'the standby to take over' });
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs - 100);
    expect(tookMs).toBeLessThan(TIMING.leaseDurationMs + 3 * TIMING.retryPeriodMs);
    expect(standby.log).toEqual(['started']);
    expect((await holder('kill'))?.leaseTransitions).toBe(1);
    await standby.e.stop({ release: true });
  });

  it('hands over at once when the leader releases the lease on a graceful stop', async () => {
    const a = elector('op-a', 'release');
    a.e.start();
    await waitFor(() => a.e.isLeader);
    const b = elector('op-b', 'release');
    b.e.start();
    await waitFor(async () => (await holder('release'))?.holderIdentity === 'op-a');
    const stoppedAt = Date.now();
    await a.e.stop({ release: true });
    expect((await holder('release'))?.holderIdentity === '' || b.e.isLeader).toBe(true);
    await waitFor(() => b.e.isLeader, { timeoutMs: 5000, what: 'the standby to take over' });
    // One retry period (with its jitter), not a lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(TIMING.retryPeriodMs * 1.2 + 300);
    expect(a.log).toEqual(['started']);
    await b.e.stop({ release: true });
  });

  it('gives leadership up when it cannot renew within the renew deadline', async () => {
    // Its own API client, closed under it: every renewal fails as an unreachable server would.
    const server2 = await startEmulator();
    await createNamespace(server2.api, NS);
    const a = elector('op-a', 'deadline', server2.api);
    a.e.start();
    await waitFor(() => a.e.isLeader);
    const closedAt = Date.now();
    await server2.close();
    await waitFor(() => a.log.includes('lost'), { timeoutMs: 5000, what: 'leadership to be given up' });
    expect(a.e.isLeader).toBe(false);
    expect(Date.now() - closedAt).toBeLessThan(TIMING.renewDeadlineMs + TIMING.retryPeriodMs + 500);
    await a.e.stop({ release: false });
  });
});
