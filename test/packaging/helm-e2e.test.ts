// What a platform team does, on the emulated cluster as root: `helm install` the operator chart
// (the operator runs as two pods of the meshmq/operator image, in-cluster with its ServiceAccount),
// `helm install` a BrokerCluster with the cluster chart and see it Ready and carrying messages,
// `helm upgrade` it (scale up, scale down), `helm uninstall` both; then the same operator from the
// `kubectl apply -f` bundle, and the chart with watchNamespaces (Roles). The operator's requests,
// as the API audited them, are exactly what the chart's RBAC rules allow: every request allowed,
// every rule used.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import mqtt from 'mqtt';
import { startKubeEnvironment, type KubeEnvironment } from '../kube/environment.js';
import { createKubectl, type Kubectl } from '../kube/kubectl-cli.js';
import { operatorE2eRequirements } from '../kube/e2e/operator-harness.js';
import { createHelm, unpackKubeTools, type Helm } from '../support/kube-tools.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { BUNDLE, BUNDLE_NAMESPACE, CLUSTER_CHART, CRD_SOURCE, OPERATOR_CHART } from './chart-artifacts.js';
import { parseManifests } from './manifest-validation.js';
import { compareRbac, grantsFor } from './rbac-audit.js';

const requirements = [...operatorE2eRequirements(), hasCommand('unzip', ['-v'])];
const it = itRequiring(...requirements);
const OPERATOR_NS = 'meshmq-system';
const SERVICE_ACCOUNT = 'meshmq-operator';
/** Mesh timings short enough to see a node join and leave in seconds (chart values, as a user would set them). */
const FAST_MESH = ['--set', 'cluster.heartbeatInterval=200ms', '--set', 'cluster.suspectAfter=1s', '--set', 'cluster.downAfter=2s', '--set', 'cluster.dnsInterval=500ms',
  '--set', 'terminationGracePeriodSeconds=20', '--set', 'cluster.autohealDelay=1s', '--set', 'metrics.serviceMonitor.enabled=true'];

interface BrokerClusterStatus { replicas?: number; readyReplicas?: number; observedGeneration?: number; conditions?: Array<{ type: string; status: string }> }

describe('helm install, upgrade and uninstall of the charts, and the kubectl bundle', () => {
  let env: KubeEnvironment | undefined;
  let dir: string;
  let helm: Helm;
  let kubectl: Kubectl;
  let auditFrom = 0;
  const e = (): KubeEnvironment => { if (!env) throw new Error('no environment'); return env; };
  const ok = async (what: string, run: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> => {
    const r = await run;
    if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const brokerCluster = async (ns: string, name: string): Promise<{ metadata: { generation: number }; status?: BrokerClusterStatus }> =>
    await e().kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'meshmq.io', version: 'v1alpha1', namespace: ns, plural: 'brokerclusters', name }) as never;
  const waitReady = async (ns: string, name: string, replicas: number): Promise<void> => {
    let last: unknown;
    await waitFor(async () => {
      const bc = await brokerCluster(ns, name);
      last = bc.status;
      return bc.status?.readyReplicas === replicas && bc.status.replicas === replicas && bc.status.observedGeneration === bc.metadata.generation
        && bc.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    }, { what: `BrokerCluster ${ns}/${name} Ready with ${replicas} brokers (last status ${JSON.stringify(last)})`, timeoutMs: 120_000, intervalMs: 500 });
  };

  beforeAll(async () => {
    if (!requirements.every((r) => r.ok)) return;
    dir = await mkdtemp(path.join(tmpdir(), 'helm-e2e-'));
    env = await startKubeEnvironment({ root: true });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await env.api.writeKubeconfig(kubeconfig);
    const tools = await unpackKubeTools();
    helm = createHelm(tools.helm, kubeconfig, path.join(dir, 'helm-home'), 180_000);
    kubectl = createKubectl(kubeconfig, 120_000, tools.kubectl);
    // The Prometheus Operator's CRDs, as on a cluster that runs it: BrokerClusters may then ask for a ServiceMonitor.
    await ok('apply prometheus-operator CRDs', kubectl('apply', '-f', path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/prometheus-operator-crds.yaml')));
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('helm install --wait runs the operator: two pods Ready, one holding the Lease', async () => {
    auditFrom = e().api.audit.lastSeq;
    const out = await ok('helm install', helm('install', 'meshmq-operator', OPERATOR_CHART, '-n', OPERATOR_NS, '--create-namespace', '--wait', '--timeout', '120s', '--set', 'operator.resync=2s'));
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('It watches BrokerClusters in every namespace.');
    expect(await ok('rollout status', kubectl('-n', OPERATOR_NS, 'rollout', 'status', 'deployment/meshmq-operator', '--timeout=60s'))).toContain('successfully rolled out');
    const pods = JSON.parse(await ok('get pods', kubectl('-n', OPERATOR_NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=meshmq-operator', '-o', 'json'))) as { items: Array<{ metadata: { name: string } }> };
    expect(pods.items).toHaveLength(2);
    await waitFor(async () => {
      const lease = await kubectl('-n', OPERATOR_NS, 'get', 'lease', 'meshmq-operator', '-o', 'jsonpath={.spec.holderIdentity}');
      return pods.items.some((p) => lease.stdout.startsWith(`${p.metadata.name}_`));
    }, { what: 'an operator pod holding the Lease', timeoutMs: 30_000 });
    // The CRD came from the chart's crds/ directory, byte for byte the repository's.
    expect(await ok('get crd', kubectl('get', 'crd', 'brokerclusters.meshmq.io', '-o', 'name'))).toContain('brokerclusters.meshmq.io');
  }, 180_000);

  it('helm install of meshmq-cluster makes a Ready BrokerCluster that carries messages between pods', async () => {
    await ok('helm install mqtt', helm('install', 'mqtt', CLUSTER_CHART, '-n', 'mqtt', '--create-namespace', ...FAST_MESH));
    await waitReady('mqtt', 'mqtt', 3);
    const ip = (pod: string): string => e().podAddress(`mqtt/${pod}`) ?? '';
    const subscriber = await mqtt.connectAsync(`mqtt://${ip('mqtt-0')}:1883`, { clientId: 'helm-sub', reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(`mqtt://${ip('mqtt-2')}:1883`, { clientId: 'helm-pub', reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      subscriber.on('message', (_t, payload) => received.push(payload.toString()));
      await subscriber.subscribeAsync('helm/#', { qos: 1 });
      await waitFor(async () => { await publisher.publishAsync('helm/hello', 'installed by helm', { qos: 1 }); return received.length > 0; }, { what: 'cross-pod delivery', timeoutMs: 15_000, intervalMs: 200 });
      expect(received[0]).toBe('installed by helm');
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
    }
  }, 180_000);

  it('helm upgrade scales the BrokerCluster up and down', async () => {
    await ok('helm upgrade 4', helm('upgrade', 'mqtt', CLUSTER_CHART, '-n', 'mqtt', '--reuse-values', '--set', 'replicas=4'));
    await waitReady('mqtt', 'mqtt', 4);
    await ok('helm upgrade 3', helm('upgrade', 'mqtt', CLUSTER_CHART, '-n', 'mqtt', '--reuse-values', '--set', 'replicas=3'));
    await waitReady('mqtt', 'mqtt', 3);
    const history = JSON.parse(await ok('helm history', helm('history', 'mqtt', '-n', 'mqtt', '-o', 'json'))) as Array<{ revision: number; status: string }>;
    expect(history.map((h) => [h.revision, h.status])).toEqual([[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
  }, 240_000);

  it('autoheal deletes the minority side of a partition, twice the same way (the second Event folds into the first)', async () => {
    const events = async (reason: string): Promise<number> => {
      const list = JSON.parse(await ok('get events', kubectl('-n', 'mqtt', 'get', 'events', '--field-selector', `reason=${reason}`, '-o', 'json'))) as { items: Array<{ count?: number }> };
      return list.items.reduce((n, x) => n + (x.count ?? 1), 0);
    };
    const before = JSON.parse(await ok('get pod', kubectl('-n', 'mqtt', 'get', 'pod', 'mqtt-0', '-o', 'json'))) as { metadata: { uid: string } };
    for (let round = 1; round <= 2; round++) {
      await e().partition(['mqtt/mqtt-0'], ['mqtt/mqtt-1', 'mqtt/mqtt-2']);
      await waitFor(async () => (await events('AutohealDeleted')) >= round, { what: `autoheal round ${round}`, timeoutMs: 60_000, intervalMs: 500 });
      await e().heal();
      await waitReady('mqtt', 'mqtt', 3);
    }
    // The same split reported again is the same Event with a count (a patch), not a second Event.
    const detected = JSON.parse(await ok('get events', kubectl('-n', 'mqtt', 'get', 'events', '--field-selector', 'reason=PartitionDetected', '-o', 'json'))) as { items: Array<{ count?: number; message: string }> };
    expect(detected.items.some((x) => (x.count ?? 1) >= 2 && x.message.includes('mqtt-0'))).toBe(true);
    const after = JSON.parse(await ok('get pod', kubectl('-n', 'mqtt', 'get', 'pod', 'mqtt-0', '-o', 'json'))) as { metadata: { uid: string } };
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    // The ServiceMonitor the BrokerCluster asked for, made by the operator.
    expect(await ok('get servicemonitor', kubectl('-n', 'mqtt', 'get', 'servicemonitors', '-o', 'name'))).toContain('servicemonitor.monitoring.coreos.com/mqtt');
  }, 240_000);

  it('helm uninstall of meshmq-cluster deletes the BrokerCluster and everything the operator made for it', async () => {
    expect(await ok('helm uninstall mqtt', helm('uninstall', 'mqtt', '-n', 'mqtt', '--wait', '--timeout', '60s'))).toContain('release "mqtt" uninstalled');
    await waitFor(async () => {
      const left = await kubectl('-n', 'mqtt', 'get', 'brokerclusters,statefulsets,services,configmaps,secrets,poddisruptionbudgets,pods', '-l', 'app.kubernetes.io/instance=mqtt', '-o', 'name');
      return left.code === 0 && left.stdout.trim() === '';
    }, { what: 'the cluster and its objects gone', timeoutMs: 90_000, intervalMs: 500 });
  }, 120_000);

  it('the operator made only requests its RBAC allows, and used every rule', async () => {
    const manifests = parseManifests(await ok('helm get manifest', helm('get', 'manifest', 'meshmq-operator', '-n', OPERATOR_NS)));
    const grants = grantsFor(manifests, OPERATOR_NS, SERVICE_ACCOUNT);
    expect(grants.length).toBeGreaterThan(0);
    const entries = e().api.audit.entries({ user: `system:serviceaccount:${OPERATOR_NS}:${SERVICE_ACCOUNT}`, afterSeq: auditFrom });
    expect(e().api.audit.dropped).toBe(0);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((x) => /^meshmq-operator\//.test(x.userAgent))).toBe(true);
    expect(compareRbac(grants, entries)).toEqual({ unallowed: [], unused: [] });
  }, 30_000);

  it('helm upgrade of the operator rolls its pods; helm uninstall removes it all but the CRD', async () => {
    await ok('helm upgrade operator', helm('upgrade', 'meshmq-operator', OPERATOR_CHART, '-n', OPERATOR_NS, '--reuse-values', '--set', 'operator.logLevel=debug', '--wait', '--timeout', '120s'));
    const rs = JSON.parse(await ok('get rs', kubectl('-n', OPERATOR_NS, 'get', 'rs', '-l', 'app.kubernetes.io/name=meshmq-operator', '-o', 'json'))) as { items: Array<{ spec: { replicas: number }; metadata: { annotations: Record<string, string> } }> };
    expect(rs.items.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r.spec.replicas]).sort()).toEqual([['1', 0], ['2', 2]]);
    expect(await ok('helm uninstall operator', helm('uninstall', 'meshmq-operator', '-n', OPERATOR_NS, '--wait', '--timeout', '60s'))).toContain('uninstalled');
    const left = await ok('get', kubectl('-n', OPERATOR_NS, 'get', 'deployments,replicasets,services,serviceaccounts,roles,rolebindings,configmaps', '-l', 'app.kubernetes.io/name=meshmq-operator', '-o', 'name'));
    expect(left.trim()).toBe('');
    expect((await kubectl('get', 'clusterrole,clusterrolebinding', 'meshmq-operator', '-o', 'name')).stdout.trim()).toBe('');
    // Helm never deletes a CRD from crds/: the users' BrokerClusters stay.
    expect((await kubectl('get', 'crd', 'brokerclusters.meshmq.io')).code).toBe(0);
  }, 180_000);

  it('kubectl apply -f deploy/meshmq-operator.yaml installs the same operator, which reconciles a BrokerCluster', async () => {
    expect(await ok('apply bundle', kubectl('apply', '-f', BUNDLE))).toMatch(/deployment.apps\/meshmq-operator (created|configured)/);
    expect(await ok('rollout status', kubectl('-n', BUNDLE_NAMESPACE, 'rollout', 'status', 'deployment/meshmq-operator', '--timeout=90s'))).toContain('successfully rolled out');
    await ok('create ns', kubectl('create', 'namespace', 'plain'));
    await ok('apply minimal', kubectl('-n', 'plain', 'apply', '-f', path.join(path.dirname(CRD_SOURCE), 'examples/minimal.yaml')));
    await waitReady('plain', 'mqtt', 3);
    await ok('delete bc', kubectl('-n', 'plain', 'delete', 'bc', 'mqtt', '--wait=true', '--timeout=90s'));
    expect(await ok('delete bundle', kubectl('delete', '-f', BUNDLE, '--wait=true', '--timeout=90s', '--ignore-not-found'))).toContain(`namespace "${BUNDLE_NAMESPACE}" deleted`);
    await waitFor(async () => (await kubectl('get', 'namespace', BUNDLE_NAMESPACE)).code !== 0 && (await kubectl('get', 'clusterrole', 'meshmq-operator')).code !== 0,
      { what: 'the bundle gone', timeoutMs: 60_000, intervalMs: 500 });
  }, 240_000);

  it('with watchNamespaces the operator runs on Roles: it manages its namespace, ignores the others, and its requests fit the Roles', async () => {
    await ok('namespaces', kubectl('create', 'namespace', 'watched'));
    await ok('namespaces', kubectl('create', 'namespace', 'ignored'));
    const from = e().api.audit.lastSeq;
    await ok('helm install namespaced', helm('install', 'meshmq-operator', OPERATOR_CHART, '-n', OPERATOR_NS, '--create-namespace', '--wait', '--timeout', '120s',
      '--set', 'watchNamespaces={watched}', '--set', 'operator.resync=2s'));
    // The watched cluster asks for a ServiceMonitor, so the Role's ServiceMonitor rule is exercised too.
    const monitored = path.join(dir, 'monitored.yaml');
    await writeFile(monitored, 'apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata: { name: mqtt }\nspec: { replicas: 3, metrics: { serviceMonitor: { enabled: true } } }\n');
    await ok('apply watched', kubectl('-n', 'watched', 'apply', '-f', monitored));
    await ok('apply ignored', kubectl('-n', 'ignored', 'apply', '-f', path.join(path.dirname(CRD_SOURCE), 'examples/minimal.yaml')));
    await waitReady('watched', 'mqtt', 3);
    expect(await ok('get servicemonitor', kubectl('-n', 'watched', 'get', 'servicemonitors', '-o', 'name'))).toContain('servicemonitor.monitoring.coreos.com/mqtt');
    // Ignored: no status, no StatefulSet, although its namespace's cluster came up next to it.
    expect((await brokerCluster('ignored', 'mqtt')).status?.replicas ?? 0).toBe(0);
    expect((await kubectl('-n', 'ignored', 'get', 'statefulsets', '-o', 'name')).stdout.trim()).toBe('');
    await ok('delete watched', kubectl('-n', 'watched', 'delete', 'bc', 'mqtt', '--wait=true', '--timeout=90s'));
    const manifests = parseManifests(await ok('helm get manifest', helm('get', 'manifest', 'meshmq-operator', '-n', OPERATOR_NS)));
    const grants = grantsFor(manifests, OPERATOR_NS, SERVICE_ACCOUNT);
    expect(grants.filter((g) => g.namespace === undefined).map((g) => g.rule.resources)).toEqual([['customresourcedefinitions']]);
    const entries = e().api.audit.entries({ user: `system:serviceaccount:${OPERATOR_NS}:${SERVICE_ACCOUNT}`, afterSeq: from });
    const { unallowed, unused } = compareRbac(grants, entries);
    expect(unallowed).toEqual([]);
    // Without a partition in this run, the autoheal deletion and the folded Event are not exercised here.
    expect(unused.filter((u) => !/delete core\/pods|patch core\/events/.test(u))).toEqual([]);
    await ok('helm uninstall', helm('uninstall', 'meshmq-operator', '-n', OPERATOR_NS, '--wait', '--timeout', '60s'));
  }, 240_000);
});
