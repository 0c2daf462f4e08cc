// Issue 7, scale without loss: `kubectl scale bc` 3 -> 5 -> 3 while persistent QoS 1 subscribers
// sit on the two pods that go and a publisher keeps publishing. The operator drains the leaving
// pods before lowering the StatefulSet; the subscribers reconnect to a pod that stays, find their
// session, and receive every acknowledged message; no view keeps a removed node.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { condition, FAST_CLUSTER, operatorE2eRequirements, startOperatorWorld, type OperatorWorld } from './operator-harness.js';
import { RoamingPublisher, RoamingSubscriber } from './roaming-clients.js';

const ns = 'scale';
const it = itRequiring(...operatorE2eRequirements());

const manifest = `apiVersion: meshmq.io/v1alpha1
kind: BrokerCluster
metadata: { name: sc }
spec:
  replicas: 3
  terminationGracePeriodSeconds: 30
  cluster: ${JSON.stringify(FAST_CLUSTER)}
`;

describe('kubectl scale on a BrokerCluster', () => {
  let world: OperatorWorld | undefined;
  const w = (): OperatorWorld => { if (!world) throw new Error('no world'); return world; };
  beforeAll(async () => {
    if (!operatorE2eRequirements().every((r) => r.ok)) return;
    world = await startOperatorWorld();
    await world.startLeader();
    await world.createNamespace(ns);
    await world.apply(ns, manifest);
    await world.waitReady(ns, 'sc', 3);
  }, 150_000);
  afterAll(async () => { await world?.close(); }, 60_000);

  const readyAddresses = (): Promise<string[]> => w().readyPodIps(ns, 'sc');

  it('3 -> 5 -> 3 keeps every message promised to persistent subscribers on the leaving pods', async () => {
    let started = Date.now();
    await w().must('-n', ns, 'scale', 'bc/sc', '--replicas', '5');
    await w().waitReady(ns, 'sc', 5);
    process.stderr.write(`scale 3 -> 5: Ready in ${Date.now() - started} ms\n`);

    const subscribers = [
      await RoamingSubscriber.start('sub-on-3', await w().podIp(ns, 'sc-3'), 'scale/#', readyAddresses),
      await RoamingSubscriber.start('sub-on-4', await w().podIp(ns, 'sc-4'), 'scale/#', readyAddresses),
    ];
    const publisher = await RoamingPublisher.start('pub-on-0', await w().podIp(ns, 'sc-0'), readyAddresses);
    try {
      // The routes of the new subscribers reach sc-0 before the measured load.
      await waitFor(async () => {
        const view = await w().view(ns, 'sc', 'sc-0');
        return view.nodes.filter((n) => n.state === 'up').length === 5;
      }, { what: 'sc-0 sees 5 up', timeoutMs: 20_000 });
      publisher.publish('scale/load', 'm', 100_000);
      await waitFor(() => publisher.acked.size >= 50 && subscribers.every((s) => s.received.size >= 20), { what: 'messages flowing before the scale-down', timeoutMs: 30_000 });

      started = Date.now();
      await w().must('-n', ns, 'scale', 'bc/sc', '--replicas', '3');
      await waitFor(async () => (await w().pods(ns, 'sc')).length === 3, { what: 'sc-3 and sc-4 gone', timeoutMs: 90_000, intervalMs: 300 });
      const bc = await w().waitReady(ns, 'sc', 3);
      process.stderr.write(`scale 5 -> 3: drained, lowered and Ready in ${Date.now() - started} ms\n`);
      expect(condition(bc, 'Ready')?.status).toBe('True');
      // Keep publishing a little after the scale-down, then stop and count.
      const before = publisher.acked.size;
      await waitFor(() => publisher.acked.size >= before + 50, { what: 'publishing after the scale-down', timeoutMs: 30_000 });
      await publisher.stop();
      try {
        for (const s of subscribers) await s.waitForAll(publisher.acked, 30_000);
      } catch (err) {
        const { readFile } = await import('node:fs/promises');
        for (const pod of ['sc-0', 'sc-1', 'sc-2']) {
          const file = w().env.podLogFile(`${ns}/${pod}`, 'broker');
          process.stderr.write(`---- ${pod} (${await w().podIp(ns, pod)})\n${file ? (await readFile(file, 'utf8')).split('\n').filter((l) => /sub-on|hand|relay|takeover|drain|warn|error/i.test(l)).slice(-60).join('\n') : 'no log'}\n`);
        }
        for (const s of subscribers) process.stderr.write(`${s.clientId}: ${s.received.size} distinct, max ${Math.max(...[...s.received.keys()].map((k) => Number(k.split(':')[1])))}\n`);
        throw err;
      }
      for (const s of subscribers) {
        expect(s.reconnects.length).toBeGreaterThanOrEqual(1);
        // The session moved with the drain: the subscriber found it on the pod it reconnected to.
        expect(s.reconnects.every((r) => r.sessionPresent)).toBe(true);
      }
      process.stderr.write(`published and acknowledged ${publisher.acked.size}; each subscriber received every one (${subscribers.map((s) => s.received.size).join(', ')} distinct)\n`);
    } finally {
      await publisher.stop();
      for (const s of subscribers) await s.close();
    }

    // No view lists a removed node, not even as down.
    for (const pod of ['sc-0', 'sc-1', 'sc-2']) {
      const view = await w().view(ns, 'sc', pod);
      expect(view.nodes.map((n) => n.node.split('.')[0]).sort()).toEqual(['sc-0', 'sc-1', 'sc-2']);
    }
    const events = await w().must('-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=sc', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}');
    expect(events.split('\n')).toEqual(expect.arrayContaining(['ScalingUp', 'DrainStarted', 'ScalingDown']));
  }, 300_000);
});
