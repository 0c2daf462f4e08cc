// The broker side of partition handling (issue 8) with real network partitions (root: pods in network
// namespaces, packets dropped between groups) in the emulated cluster: a StatefulSet of 3 brokers
// behind a headless Service (discovery) and a client Service (ready pods only). 2|1: the minority
// turns not ready (no_majority) and leaves the client Service, the majority stays; 1|1|1: only the
// node the serving grant names is ready; pauseMinority: the minority's clients are disconnected and
// refused, reconnect through the client Service to the majority, and the minority resumes on heal.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, type V1EnvVar, type V1StatefulSet } from '@kubernetes/client-node';
import mqtt, { type MqttClient } from 'mqtt';
import { createAdminClient } from '../../../broker/contract/admin-client.js';
import { readinessSchema, type Readiness } from '../../../broker/contract/admin-api.js';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { repositoryRoot } from '../kubelet/image-map.js';
import { canUseNetns } from '../network/ip-command.js';
import { itRequiring, isRoot } from '../../support/requirements.js';
import { TestClient } from '../../support/mqtt-clients.js';
import { waitFor } from '../../support/wait.js';

const ns = 'default';
const brokerBuilt = { ok: existsSync(path.join(repositoryRoot(), 'dist/broker/main.js')), reason: 'needs the built broker (npm run build)' };
const itRoot = itRequiring(isRoot(), brokerBuilt);
const USE_ANOTHER_SERVER = 0x9c;
const SERVER_UNAVAILABLE = 3;
const timings: string[] = [];
const API_TOKEN = 'partition-test-api-token-0123456789';

function brokerStatefulSet(name: string, extraEnv: V1EnvVar[]): V1StatefulSet {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const headless = `${name}-headless`;
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3, serviceName: headless, podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
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
              { name: 'MESHMQ_SYS_INTERVAL_MS', value: '0' },
              { name: 'MESHMQ_CLUSTER_COOKIE', valueFrom: { secretKeyRef: { name: 'mq-cookie', key: 'cookie' } } },
              // As the operator does: without a token the brokers take changes (the serving grant) from loopback only.
              { name: 'MESHMQ_API_TOKEN', valueFrom: { secretKeyRef: { name: 'mq-cookie', key: 'token' } } },
              ...extraEnv,
            ],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 5 },
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

describe('partitions between broker pods (real network cuts)', () => {
  let env: KubeEnvironment | undefined;
  beforeAll(async () => {
    if (!isRoot().ok || !brokerBuilt.ok || !await canUseNetns()) return;
    env = await startKubeEnvironment({ root: true });
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'mq-cookie' }, stringData: { cookie: 'a-cluster-cookie-of-some-length', token: API_TOKEN } } });
  }, 30_000);
  afterAll(async () => {
    if (timings.length > 0) process.stderr.write(`partition e2e timings: ${timings.join('; ')}\n`);
    await env?.close();
  }, 60_000);

  const e = (): KubeEnvironment => env as KubeEnvironment;
  const ip = (pod: string): string => {
    const address = e().podAddress(pod);
    if (!address) throw new Error(`${pod} has no address`);
    return address;
  };
  const readiness = async (pod: string): Promise<{ status: number; body: Readiness }> => {
    const res = await fetch(`http://${ip(pod)}:8081/readyz`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: readinessSchema.parse(await res.json()) };
  };
  const readySet = async (pods: readonly string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const pod of pods) if ((await readiness(pod)).status === 200) out.push(pod);
    return out;
  };
  /** The client Service's name as cluster DNS answers it: the ready pods' addresses. */
  const serviceAddresses = (service: string): string[] => e().dns.lookup(`${service}.${ns}.svc.cluster.local`).sort();

  async function createBrokers(name: string, extraEnv: V1EnvVar[] = []): Promise<string[]> {
    const core = e().kubeConfig.makeApiClient(CoreV1Api);
    const apps = e().kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: `${name}-headless` }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: name }, ports: [{ name: 'mesh', port: 4370 }] } } });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'mqtt', port: 1883 }] } } });
    await apps.createNamespacedStatefulSet({ namespace: ns, body: brokerStatefulSet(name, extraEnv) });
    const pods = [0, 1, 2].map((i) => `${name}-${i}`);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name, namespace: ns })).status?.readyReplicas === 3, { what: `3 ready ${name} brokers`, timeoutMs: 60_000, intervalMs: 200 });
    await waitFor(async () => (await readySet(pods)).length === 3 && serviceAddresses(name).length === 3, { what: 'all ready in the client Service', timeoutMs: 30_000, intervalMs: 200 });
    return pods;
  }

  async function deleteBrokers(name: string): Promise<void> {
    const core = e().kubeConfig.makeApiClient(CoreV1Api);
    const apps = e().kubeConfig.makeApiClient(AppsV1Api);
    await apps.deleteNamespacedStatefulSet({ name, namespace: ns });
    await core.deleteNamespacedService({ name, namespace: ns });
    await core.deleteNamespacedService({ name: `${name}-headless`, namespace: ns });
    await waitFor(async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` })).items.length === 0, { what: `${name} pods gone`, timeoutMs: 60_000, intervalMs: 200 });
  }

  itRoot('2|1: the minority turns not ready (no_majority) and leaves the client Service; the majority stays; all ready after the heal', async () => {
    const pods = await createBrokers('mq');
    const [m0, m1, m2] = pods as [string, string, string];
    const cut = Date.now();
    await e().partition([m0, m1], [m2]);
    const minority = (await waitFor(async () => { const r = await readiness(m2); return r.status === 503 ? r : undefined; }, { what: 'minority not ready', timeoutMs: 20_000, intervalMs: 100 })).body;
    const toNotReady = Date.now() - cut;
    expect(minority).toMatchObject({ reason: 'no_majority', message: expect.stringMatching(/^reaches 1 of 3 cluster members, not a majority/) as unknown });
    expect(await readySet([m0, m1])).toEqual([m0, m1]);
    // The kubelet's probe takes it out of the client Service: clients resolving it reach the majority only.
    await waitFor(() => serviceAddresses('mq').join() === [ip(m0), ip(m1)].sort().join(), { what: 'client Service without the minority', timeoutMs: 10_000, intervalMs: 100 });
    const toOutOfService = Date.now() - cut;
    expect(await readySet([m0, m1])).toEqual([m0, m1]);

    const heal = Date.now();
    await e().heal();
    await waitFor(async () => (await readySet(pods)).length === 3, { what: 'all ready after the heal', timeoutMs: 30_000, intervalMs: 100 });
    const toReady = Date.now() - heal;
    await waitFor(() => serviceAddresses('mq').length === 3, { what: 'client Service whole again', timeoutMs: 10_000, intervalMs: 100 });
    timings.push(`2|1: cut -> minority 503 ${toNotReady} ms, -> out of the client Service ${toOutOfService} ms; heal -> all ready ${toReady} ms`);
  }, 150_000);

  itRoot('1|1|1: no node has a majority; only the node the serving grant names is ready, until the heal', async () => {
    const pods = ['mq-0', 'mq-1', 'mq-2'];
    const [m0, m1, m2] = pods as [string, string, string];
    const cut = Date.now();
    await e().partition([m0], [m1, m2]);
    await e().partition([m1], [m2]);
    await waitFor(async () => (await readySet(pods)).length === 0, { what: 'no node ready', timeoutMs: 20_000, intervalMs: 100 });
    const toNoneReady = Date.now() - cut;
    for (const pod of pods) expect((await readiness(pod)).body.reason).toBe('no_majority');

    const admin = createAdminClient({ baseUrl: `http://${ip(m0)}:8081`, token: API_TOKEN });
    const node = (await admin.clusterView()).node;
    const granted = Date.now();
    // As the operator's autoheal does: tell the serving side it serves, renewed while the split lasts.
    expect(await admin.grantServing({ nodes: [node], ttlMs: 30_000 })).toMatchObject({ node, listed: true, unreached: [], serving: true });
    await waitFor(async () => (await readySet(pods)).join() === m0, { what: 'only the granted node ready', timeoutMs: 10_000, intervalMs: 100 });
    await waitFor(() => serviceAddresses('mq').join() === ip(m0), { what: 'client Service: the granted node only', timeoutMs: 10_000, intervalMs: 100 });
    const toServing = Date.now() - granted;
    expect(await admin.grantServing({ nodes: [node], ttlMs: 30_000 })).toMatchObject({ serving: true });
    expect(await readySet(pods)).toEqual([m0]);

    const heal = Date.now();
    await e().heal();
    await waitFor(async () => (await readySet(pods)).length === 3, { what: 'all ready after the heal', timeoutMs: 30_000, intervalMs: 100 });
    timings.push(`1|1|1: cut -> none ready ${toNoneReady} ms; grant -> granted node alone in the client Service ${toServing} ms; heal -> all ready ${Date.now() - heal} ms`);
    await deleteBrokers('mq');
  }, 150_000);

  itRoot('pauseMinority: the minority disconnects and refuses its clients, they reconnect to the majority, and it resumes after the heal', async () => {
    const pods = await createBrokers('pm', [{ name: 'MESHMQ_CLUSTER_PARTITION_MODE', value: 'pauseMinority' }]);
    const [p0, p1, p2] = pods as [string, string, string];
    // Devices behind the client Service: each (re)connect resolves it and takes one ready address.
    // They start on p2, the side that will be cut off.
    const devices = [5, 4].map((protocolVersion, i) => serviceDevice(`device-${i}`, protocolVersion as 4 | 5, ip(p2), () => serviceAddresses('pm')));
    try {
      await waitFor(() => devices.every((d) => d.client.connected), { what: 'devices connected to p2', timeoutMs: 10_000 });
      await devices[0]!.client.subscribeAsync('pm/#', { qos: 1 });

      const cut = Date.now();
      await e().partition([p0, p1], [p2]);
      await waitFor(() => devices.every((d) => d.closes > 0), { what: 'the minority disconnects its clients', timeoutMs: 20_000, intervalMs: 50 });
      const toDisconnected = Date.now() - cut;
      expect(devices[0]!.disconnectCodes).toContain(USE_ANOTHER_SERVER);
      // Refused while paused: CONNACK 0x9C (v5), return code 3 (3.1.1); not ready, saying why.
      expect(await TestClient.connectRefused(`mqtt://${ip(p2)}:1883`, { protocolVersion: 5 })).toBe(USE_ANOTHER_SERVER);
      expect(await TestClient.connectRefused(`mqtt://${ip(p2)}:1883`, { protocolVersion: 4 })).toBe(SERVER_UNAVAILABLE);
      expect((await readiness(p2)).body).toMatchObject({ reason: 'no_majority', message: expect.stringMatching(/; paused \(partitionMode pauseMinority\)/) as unknown });

      const majority = new Set([ip(p0), ip(p1)]);
      await waitFor(() => devices.every((d) => d.client.connected && majority.has(d.connectedTo)), { what: 'devices reconnected to the majority', timeoutMs: 30_000, intervalMs: 50 });
      const toMajority = Date.now() - cut;
      // The subscriber resubscribes on its new node; a publish there reaches it.
      await devices[0]!.client.subscribeAsync('pm/#', { qos: 1 });
      await devices[1]!.client.publishAsync('pm/majority', 'on the majority', { qos: 1 });
      await waitFor(() => devices[0]!.received.includes('on the majority'), { what: 'delivery on the majority', timeoutMs: 10_000 });

      const heal = Date.now();
      await e().heal();
      await waitFor(async () => (await readySet(pods)).length === 3, { what: 'p2 resumes: all ready', timeoutMs: 30_000, intervalMs: 100 });
      const toResumed = Date.now() - heal;
      const again = await TestClient.connect(`mqtt://${ip(p2)}:1883`, { protocolVersion: 5 });
      try {
        // Across the healed mesh: a publish on p2 reaches the subscriber on the majority.
        await waitFor(async () => { await again.publish('pm/healed', 'from p2', { qos: 1 }); return devices[0]!.received.includes('from p2'); }, { what: 'delivery from p2 after the heal', timeoutMs: 15_000, intervalMs: 200 });
      } finally {
        await again.destroy();
      }
      timings.push(`pauseMinority: cut -> clients disconnected ${toDisconnected} ms, -> reconnected to the majority ${toMajority} ms; heal -> minority ready ${toResumed} ms`);
    } finally {
      for (const d of devices) d.client.end(true);
    }
    await deleteBrokers('pm');
  }, 180_000);
});

interface ServiceDevice {
  readonly client: MqttClient;
  /** The address of the current connection. */
  connectedTo: string;
  closes: number;
  readonly disconnectCodes: number[];
  readonly received: string[];
}

/**
 * A real mqtt.js client that resolves the client Service at each reconnect, as a device given its name
 * would, and tries again after a refusing CONNACK (a node still listed while its probe catches up).
 */
function serviceDevice(clientId: string, protocolVersion: 4 | 5, first: string, resolve: () => string[]): ServiceDevice {
  const servers = [{ host: first, port: 1883 }];
  const client = mqtt.connect({ servers, protocol: 'mqtt', clientId, protocolVersion, clean: protocolVersion === 4, reconnectPeriod: 200, reconnectOnConnackError: true, connectTimeout: 10_000, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}) });
  const device: ServiceDevice = { client, connectedTo: '', closes: 0, disconnectCodes: [], received: [] };
  client.on('connect', () => { device.connectedTo = servers[0]!.host; });
  client.on('close', () => { device.closes++; });
  client.on('disconnect', (packet) => { if (packet.reasonCode !== undefined) device.disconnectCodes.push(packet.reasonCode); });
  client.on('message', (_topic, payload) => device.received.push(payload.toString()));
  client.on('error', () => undefined); // refusals while the Service still lists the paused node: it tries again
  client.on('reconnect', () => {
    const addresses = resolve();
    const pick = addresses[Math.floor(Math.random() * addresses.length)];
    if (pick !== undefined) servers[0] = { host: pick, port: 1883 };
  });
  return device;
}
