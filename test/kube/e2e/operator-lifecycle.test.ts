// Issue 7, the story a user lives first: `kubectl apply` the minimal example and get a Ready
// 3-node meshed cluster (a publish on one pod reaches a subscriber on another), `kubectl get bc`
// prints its columns and `kubectl describe bc` tells what happened, a minute at rest costs the
// operator zero writes, and deleting the BrokerCluster removes everything it owned.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import path from 'node:path';
import mqtt from 'mqtt';
import { itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { EXAMPLES, operatorE2eRequirements, startOperatorWorld, type OperatorWorld } from './operator-harness.js';

const ns = 'lifecycle';
const it = itRequiring(...operatorE2eRequirements());

describe('a BrokerCluster from kubectl apply to delete', () => {
  let world: OperatorWorld | undefined;
  const w = (): OperatorWorld => { if (!world) throw new Error('no world'); return world; };
  beforeAll(async () => {
    if (!operatorE2eRequirements().every((r) => r.ok)) return;
    world = await startOperatorWorld();
    await world.startLeader();
    await world.createNamespace(ns);
  }, 60_000);
  afterAll(async () => { await world?.close(); }, 60_000);

  it('the minimal example becomes a Ready, meshed 3-node cluster that carries messages between pods', async () => {
    const started = Date.now();
    await w().must('-n', ns, 'apply', '-f', path.join(EXAMPLES, 'minimal.yaml'));
    const bc = await w().waitReady(ns, 'mqtt', 3, 120_000);
    process.stderr.write(`minimal example Ready in ${Date.now() - started} ms\n`);
    expect(bc.status?.phase).toBe('Running');
    expect(bc.status?.nodes?.map((n) => n.pod)).toEqual(['mqtt-0', 'mqtt-1', 'mqtt-2']);
    for (const pod of ['mqtt-0', 'mqtt-1', 'mqtt-2']) {
      const view = await w().view(ns, 'mqtt', pod);
      expect(view.nodes.filter((n) => n.state === 'up')).toHaveLength(3);
    }

    const subscriber = await mqtt.connectAsync(`mqtt://${await w().podIp(ns, 'mqtt-0')}:1883`, { clientId: 'e2e-sub', reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(`mqtt://${await w().podIp(ns, 'mqtt-2')}:1883`, { clientId: 'e2e-pub', reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      subscriber.on('message', (_topic, payload) => received.push(payload.toString()));
      await subscriber.subscribeAsync('e2e/#', { qos: 1 });
      // Route replication is asynchronous: publish until the subscription reached mqtt-2.
      await waitFor(async () => { await publisher.publishAsync('e2e/hello', 'across pods', { qos: 1 }); return received.length > 0; }, { what: 'cross-pod delivery', timeoutMs: 10_000, intervalMs: 200 });
      expect(received[0]).toBe('across pods');
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
    }
  }, 180_000);

  it('kubectl get bc prints replicas, ready, phase and age; describe tells the story', async () => {
    const table = await w().must('-n', ns, 'get', 'bc');
    const [header, row] = table.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'REPLICAS', 'READY', 'PHASE', 'AGE']);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(['mqtt', '3', '3', 'Running']);
    const describe = await w().must('-n', ns, 'describe', 'bc', 'mqtt');
    expect(describe).toMatch(/Created\s+.*StatefulSet mqtt/);
    expect(describe).toMatch(/SecretGenerated/);
  }, 30_000);

  it('a cluster at rest costs the operator zero writes for a minute', async () => {
    const audit = w().env.api.audit;
    const from = audit.lastSeq;
    const started = Date.now();
    // A minute of resyncs (every 2 s) and view polls, with nothing changing.
    await waitFor(() => Date.now() - started >= 60_000, { what: 'a minute at rest', timeoutMs: 70_000, intervalMs: 1000 });
    const writes = audit.entries({ userAgent: /^meshmq-operator\//, writes: true, afterSeq: from }).filter((e) => e.resource !== 'leases');
    expect(writes.map((e) => `${e.verb} ${e.resource}/${e.name}`)).toEqual([]);
    const reads = audit.entries({ userAgent: /^meshmq-operator\//, afterSeq: from }).filter((e) => e.resource !== 'leases');
    process.stderr.write(`at rest for 60 s: ${writes.length} writes, ${reads.length} API requests (watches included), lease renewals apart\n`);
  }, 90_000);

  it('deleting the BrokerCluster removes everything it owned', async () => {
    await w().must('-n', ns, 'delete', 'bc', 'mqtt', '--wait=true', '--timeout=60s');
    await waitFor(async () => {
      const left = await w().kubectl('-n', ns, 'get', 'statefulsets,services,configmaps,secrets,poddisruptionbudgets,pods', '-l', 'app.kubernetes.io/instance=mqtt', '-o', 'name');
      return left.code === 0 && left.stdout.trim() === '';
    }, { what: 'every owned object gone', timeoutMs: 60_000, intervalMs: 500 });
  }, 90_000);
});
