// Issue 4's final example: a StatefulSet of 3 real brokers behind a headless Service forms one
// cluster through the emulator's DNS (cross-pod publish/subscribe), and a network partition
// between pods shows in the brokers' own views (GET /api/v1/cluster), then heals.
import { describe, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, type V1StatefulSet } from '@kubernetes/client-node';
import mqtt from 'mqtt';
import { clusterViewSchema, type ClusterView } from '../../../broker/contract/cluster-view.js';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { repositoryRoot } from '../kubelet/image-map.js';
import { canUseNetns } from '../network/ip-command.js';
import { itRequiring, isRoot } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';

const ns = 'default';
const headless = 'mq-headless';
const pods = ['mq-0', 'mq-1', 'mq-2'];
const brokerBuilt = { ok: existsSync(path.join(repositoryRoot(), 'dist/broker/main.js')), reason: 'needs the built broker (npm run build)' };
const itRoot = itRequiring(isRoot(), brokerBuilt);

function brokerStatefulSet(): V1StatefulSet {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  return {
    metadata: { name: 'mq', namespace: ns },
    spec: {
      replicas: 3, serviceName: headless, podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'mq' } },
      template: {
        metadata: { labels: { app: 'mq' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: 'broker', image: 'meshmq/broker:dev',
            ports: [{ name: 'mqtt', containerPort: 1883 }, { name: 'http', containerPort: 8081 }, { name: 'mesh', containerPort: 4370 }],
            env: [
              { name: 'POD_NAME', ...field('metadata.name') },
              { name: 'POD_NAMESPACE', ...field('metadata.namespace') },
              { name: 'POD_IP', ...field('status.podIP') },
              { name: 'MESHMQ_NODE_NAME', value: `$(POD_NAME).${headless}.$(POD_NAMESPACE).svc.cluster.local` },
              { name: 'MESHMQ_BIND', value: '$(POD_IP)' },
              { name: 'MESHMQ_CLUSTER_DISCOVERY', value: 'dns' },
              { name: 'MESHMQ_CLUSTER_DNS_NAME', value: `${headless}.$(POD_NAMESPACE).svc.cluster.local` },
              { name: 'MESHMQ_CLUSTER_DNS_INTERVAL_MS', value: '500' },
              { name: 'MESHMQ_CLUSTER_HEARTBEAT_MS', value: '200' },
              { name: 'MESHMQ_CLUSTER_SUSPECT_AFTER_MS', value: '1000' },
              { name: 'MESHMQ_CLUSTER_DOWN_AFTER_MS', value: '2000' },
              { name: 'MESHMQ_CLUSTER_COOKIE', valueFrom: { secretKeyRef: { name: 'mq-cookie', key: 'cookie' } } },
            ],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 5 },
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

describe('a StatefulSet of brokers in the emulated cluster', () => {
  let env: KubeEnvironment | undefined;
  beforeAll(async () => {
    if (!isRoot().ok || !brokerBuilt.ok || !await canUseNetns()) return;
    env = await startKubeEnvironment({ root: true });
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const apps = env.kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'mq-cookie' }, stringData: { cookie: 'a-cluster-cookie-of-some-length' } } });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: headless }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'mq' }, ports: [{ name: 'mesh', port: 4370 }] } } });
    await apps.createNamespacedStatefulSet({ namespace: ns, body: brokerStatefulSet() });
  }, 30_000);
  afterAll(async () => { await env?.close(); }, 60_000);

  const ip = (pod: string): string => {
    const address = env?.podAddress(pod);
    if (!address) throw new Error(`${pod} has no address`);
    return address;
  };
  const view = async (pod: string): Promise<ClusterView> => {
    const res = await fetch(`http://${ip(pod)}:8081/api/v1/cluster`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`${pod}: GET /api/v1/cluster ${res.status}`);
    return clusterViewSchema.parse(await res.json());
  };
  const peerState = (v: ClusterView, pod: string): string | undefined => v.nodes.find((n) => n.node.startsWith(`${pod}.`))?.state;
  const allUp = async (): Promise<boolean> => {
    for (const pod of pods) {
      const v = await view(pod);
      if (!pods.every((other) => peerState(v, other) === 'up')) return false;
    }
    return true;
  };

  itRoot('form one cluster through DNS: a publish on one pod reaches a subscriber on another', async () => {
    const e = env as KubeEnvironment;
    const apps = e.kubeConfig.makeApiClient(AppsV1Api);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name: 'mq', namespace: ns })).status?.readyReplicas === 3, { what: '3 ready brokers', timeoutMs: 60_000, intervalMs: 200 });
    expect(e.dns.lookup(`${headless}.${ns}.svc.cluster.local`).sort()).toEqual(pods.map(ip).sort());
    await waitFor(allUp, { what: 'every broker sees all three up', timeoutMs: 30_000, intervalMs: 200 });

    const subscriber = await mqtt.connectAsync(`mqtt://${ip('mq-0')}:1883`, { clientId: 'sub-e2e', reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(`mqtt://${ip('mq-2')}:1883`, { clientId: 'pub-e2e', reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      subscriber.on('message', (_topic, payload) => received.push(payload.toString()));
      await subscriber.subscribeAsync('e2e/+', { qos: 1 });
      // Route replication is asynchronous: publish until the subscription has reached mq-2.
      await waitFor(async () => { await publisher.publishAsync('e2e/hello', 'across pods', { qos: 1 }); return received.length > 0; }, { what: 'cross-pod delivery', timeoutMs: 10_000, intervalMs: 200 });
      expect(received[0]).toBe('across pods');
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
    }
  }, 120_000);

  itRoot('report a partition between pods in their views, and recover when it heals', async () => {
    const e = env as KubeEnvironment;
    await e.partition(['mq-0', 'mq-1'], ['mq-2']);
    await waitFor(async () => {
      const minority = await view('mq-2');
      const majority = await view('mq-0');
      return peerState(minority, 'mq-0') !== 'up' && peerState(minority, 'mq-1') !== 'up' && peerState(majority, 'mq-2') !== 'up' && peerState(majority, 'mq-1') === 'up';
    }, { what: 'views show the split', timeoutMs: 30_000, intervalMs: 200 });
    // The test (the host) still reaches every pod while they cannot reach each other.
    for (const pod of pods) expect((await view(pod)).node.startsWith(`${pod}.`)).toBe(true);
    await e.heal();
    await waitFor(allUp, { what: 'every broker sees all three up again', timeoutMs: 30_000, intervalMs: 200 });
  }, 90_000);
});
