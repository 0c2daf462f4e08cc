// Issue 7, upgrades without loss: changing the image tag (the emulator maps every tag of
// meshmq/broker to the same build) rolls the pods one at a time, the next only once the replaced
// one is Ready and seen up by every broker, while a QoS 1 publisher and a persistent subscriber
// keep working: every acknowledged message arrives.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { FAST_CLUSTER, operatorE2eRequirements, startOperatorWorld, type OperatorWorld } from './operator-harness.js';
import { RoamingPublisher, RoamingSubscriber } from './roaming-clients.js';

const ns = 'rollout';
const it = itRequiring(...operatorE2eRequirements());

const manifest = (tag: string): string => `apiVersion: meshmq.io/v1alpha1
kind: BrokerCluster
metadata: { name: ru }
spec:
  replicas: 3
  image: meshmq/broker:${tag}
  terminationGracePeriodSeconds: 30
  cluster: ${JSON.stringify(FAST_CLUSTER)}
`;

describe('a rolling update of a BrokerCluster', () => {
  let world: OperatorWorld | undefined;
  const w = (): OperatorWorld => { if (!world) throw new Error('no world'); return world; };
  beforeAll(async () => {
    if (!operatorE2eRequirements().every((r) => r.ok)) return;
    world = await startOperatorWorld();
    await world.startLeader();
    await world.createNamespace(ns);
    await world.apply(ns, manifest('0.1.0'), 'ru.yaml');
    await world.waitReady(ns, 'ru', 3);
  }, 150_000);
  afterAll(async () => { await world?.close(); }, 60_000);

  const readyAddresses = (): Promise<string[]> => w().readyPodIps(ns, 'ru');

  it('replaces one pod at a time and loses no acknowledged QoS 1 message', async () => {
    const subscriber = await RoamingSubscriber.start('ru-sub', await w().podIp(ns, 'ru-2'), 'ru/#', readyAddresses);
    const publisher = await RoamingPublisher.start('ru-pub', await w().podIp(ns, 'ru-0'), readyAddresses);
    // Sampled pod states during the rollout: how many brokers were out at once.
    let maxOut = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pods = await w().pods(ns, 'ru').catch(() => []);
        const serving = pods.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        maxOut = Math.max(maxOut, 3 - serving);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await waitFor(async () => (await w().view(ns, 'ru', 'ru-0')).nodes.every((n) => n.state === 'up'), { what: 'ru-0 sees all up', timeoutMs: 20_000 });
      publisher.publish('ru/load', 'r', 100_000, 240_000);
      await waitFor(() => publisher.acked.size >= 50 && subscriber.received.size >= 20, { what: 'messages flowing', timeoutMs: 30_000 });

      const before = (await w().brokerCluster(ns, 'ru')).status;
      const started = Date.now();
      await w().apply(ns, manifest('0.1.1'), 'ru.yaml');
      await waitFor(async () => {
        const pods = await w().pods(ns, 'ru');
        const bc = await w().brokerCluster(ns, 'ru');
        return pods.length === 3 && pods.every((p) => p.spec?.containers[0]?.image === 'meshmq/broker:0.1.1')
          && bc.status?.updateRevision !== before?.updateRevision && bc.status?.currentRevision === bc.status?.updateRevision;
      }, { what: 'every pod on the new image', timeoutMs: 180_000, intervalMs: 500 });
      await w().waitReady(ns, 'ru', 3);
      process.stderr.write(`rolling update of 3 brokers: ${Date.now() - started} ms\n`);
      const after = publisher.acked.size;
      await waitFor(() => publisher.acked.size >= after + 50, { what: 'publishing after the rollout', timeoutMs: 30_000 });
      await publisher.stop();
      await subscriber.waitForAll(publisher.acked, 60_000);
      process.stderr.write(`rollout: ${publisher.acked.size} acknowledged, all received; at most ${maxOut} broker(s) out at once\n`);
    } finally {
      sampling = false;
      await sampler;
      await publisher.stop();
      await subscriber.close();
    }
    expect(maxOut).toBeLessThanOrEqual(1);
    const events = await w().must('-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=ru', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}');
    expect(events).toMatch(/replacing ru-2 \(partition 2\)/);
    expect(events).toMatch(/replacing ru-1 \(partition 1\)/);
    expect(events).toMatch(/replacing ru-0 \(partition 0\)/);
  }, 400_000);
});
