// Issue 7, two operators: one leads through the Lease, the other stands by; `kill -9` of the
// leader and the standby takes the Lease within the lease duration and carries on reconciling
// (a spec change made after the kill is applied).
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { AppsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import { itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { FAST_CLUSTER, operatorE2eRequirements, startOperatorWorld, type OperatorWorld } from './operator-harness.js';

const ns = 'leader';
const it = itRequiring(...operatorE2eRequirements());
const LEASE = ['--lease-duration', '6s', '--renew-deadline', '4s', '--retry-period', '500ms'];

describe('leader election between two operators', () => {
  let world: OperatorWorld | undefined;
  const w = (): OperatorWorld => { if (!world) throw new Error('no world'); return world; };
  beforeAll(async () => {
    if (!operatorE2eRequirements().every((r) => r.ok)) return;
    world = await startOperatorWorld();
  }, 60_000);
  afterAll(async () => { await world?.close(); }, 60_000);

  it('the standby takes over within the lease duration when the leader is killed', async () => {
    const a = await w().startOperator({ name: 'operator-a', extraArgs: LEASE });
    const b = await w().startOperator({ name: 'operator-b', extraArgs: LEASE });
    const leases = w().env.kubeConfig.makeApiClient(CoordinationV1Api);
    const holder = async (): Promise<string | undefined> => (await leases.readNamespacedLease({ namespace: 'default', name: 'meshmq-operator' }).catch(() => undefined))?.spec?.holderIdentity;
    await waitFor(async () => (await holder()) !== undefined, { what: 'a leader', timeoutMs: 20_000 });
    const first = await holder() as string;
    const [leader, standby] = first.startsWith('operator-a') ? [a, b] : [b, a];
    expect(first.startsWith(leader.name)).toBe(true);

    await w().createNamespace(ns);
    await w().apply(ns, `apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata: { name: le }\nspec:\n  replicas: 1\n  cluster: ${JSON.stringify(FAST_CLUSTER)}\n`);
    await w().waitReady(ns, 'le', 1);

    const killedAt = Date.now();
    process.kill(leader.pid as number, 'SIGKILL');
    await leader.exited;
    await waitFor(async () => (await holder())?.startsWith(standby.name) === true, { what: `${standby.name} holding the Lease`, timeoutMs: 15_000, intervalMs: 100 });
    const takeover = Date.now() - killedAt;
    process.stderr.write(`standby took the Lease ${takeover} ms after kill -9 of the leader (lease duration 6 s)\n`);
    // The Lease expires at most one lease duration after its last renewal; the standby retries every 500 ms.
    expect(takeover).toBeLessThan(6_000 + 3_000);

    // The new leader reconciles: a spec change after the kill reaches the StatefulSet.
    await w().must('-n', ns, 'scale', 'bc/le', '--replicas', '2');
    const apps = w().env.kubeConfig.makeApiClient(AppsV1Api);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'le' })).spec?.replicas === 2, { what: 'the StatefulSet scaled by the new leader', timeoutMs: 20_000 });
    await w().waitReady(ns, 'le', 2);
  }, 180_000);
});
