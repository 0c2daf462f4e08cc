// The emulator through the real kubectl (Google Cloud SDK build, 1.32): discovery, client-side
// and server-side apply, get (tables, -o yaml, -w), describe, scale, wait and delete print what
// they print against a real cluster.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait.js';
import { createKubectl, hasKubectl, type Kubectl } from '../kubectl-cli.js';
import { startApiServer, type ApiServer } from './api-server.js';

const kubectlInstalled = await hasKubectl();
const describeIfKubectl = kubectlInstalled ? describe : describe.skip;
if (!kubectlInstalled) process.stderr.write('kubectl.test.ts: skipped, kubectl is not installed\n');

let server: ApiServer;
let dir: string;
let kubectl: Kubectl;

beforeAll(async () => {
  server = await startApiServer();
  dir = await mkdtemp(path.join(tmpdir(), 'kubectl-test-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  kubectl = createKubectl(kubeconfig);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, labels: {app: web}}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: broker, image: "meshmq:1", ports: [{containerPort: 1883, name: mqtt}]}
`;

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'brokerclusters.meshmq.io' },
  spec: {
    group: 'meshmq.io', scope: 'Namespaced', names: { plural: 'brokerclusters', singular: 'brokercluster', kind: 'BrokerCluster', shortNames: ['bc'] },
    versions: [{
      name: 'v1alpha1', served: true, storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
      additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }, { name: 'Phase', type: 'string', jsonPath: '.status.phase' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 3, minimum: 1 }, image: { type: 'string' } } }, status: { type: 'object', properties: { phase: { type: 'string' }, replicas: { type: 'integer' } } } } } },
    }],
  },
};

describeIfKubectl('kubectl against the emulator', () => {
  it('lists api-resources like a real cluster', async () => {
    const { stdout, code } = await kubectl('api-resources');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
    expect(stdout).toMatch(/^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet$/m);
    expect(stdout).toMatch(/^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m);
  });

  it('applies client-side (created, unchanged, configured) and server-side with conflicts', async () => {
    const manifest = await file('sts.yaml', STS);
    expect((await kubectl('apply', '-f', manifest)).stdout.trim()).toBe('statefulset.apps/web created');
    expect((await kubectl('apply', '-f', manifest)).stdout.trim()).toBe('statefulset.apps/web unchanged');
    const changed = await file('sts2.yaml', STS.replace('meshmq:1', 'meshmq:2'));
    expect((await kubectl('apply', '-f', changed)).stdout.trim()).toBe('statefulset.apps/web configured');
    expect((await kubectl('scale', 'sts', 'web', '--replicas=3')).stdout.trim()).toBe('statefulset.apps/web scaled');
    const conflict = await kubectl('apply', '--server-side', '-f', changed);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas');
    expect((await kubectl('apply', '--server-side', '--force-conflicts', '-f', changed)).stdout.trim()).toBe('statefulset.apps/web serverside-applied');
    const yaml = (await kubectl('get', 'sts', 'web', '-o', 'yaml')).stdout;
    expect(yaml).toMatch(/^ {2}generation: 4$/m);
    expect(yaml).toContain('kubectl.kubernetes.io/last-applied-configuration');
    expect(yaml).toMatch(/^ {2}replicas: 2$/m);
    expect(yaml).toMatch(/^ {6}- image: meshmq:2$/m);
    const table = (await kubectl('get', 'sts')).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+READY\s+AGE$/);
    expect(table[1]).toMatch(/^web\s+0\/2\s+\d+s$/);
  });

  it('serves a CRD to kubectl: printer columns, scale, strict field validation, wait', async () => {
    const crd = await file('crd.json', JSON.stringify(CRD));
    expect((await kubectl('apply', '-f', crd)).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/brokerclusters.meshmq.io created');
    expect((await kubectl('wait', '--for=condition=Established', 'crd/brokerclusters.meshmq.io', '--timeout=10s')).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/brokerclusters.meshmq.io condition met');
    const bc = await file('bc.yaml', 'apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata: {name: demo}\nspec: {image: "meshmq:1"}\n');
    expect((await kubectl('apply', '-f', bc)).stdout.trim()).toBe('brokercluster.meshmq.io/demo created');
    const bogus = await file('bogus.yaml', 'apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata: {name: bogus}\nspec: {image: "meshmq:1", bogus: 1}\n');
    expect((await kubectl('apply', '-f', bogus)).stderr.trim()).toBe('Error from server (BadRequest): error when creating "' + bogus + '": BrokerCluster in version "v1alpha1" cannot be handled as a BrokerCluster: strict decoding error: unknown field "spec.bogus"');
    expect((await kubectl('scale', 'bc', 'demo', '--replicas=5')).stdout.trim()).toBe('brokercluster.meshmq.io/demo scaled');
    const rows = (await kubectl('get', 'bc')).stdout.split('\n');
    expect(rows[0]).toMatch(/^NAME\s+REPLICAS\s+PHASE\s+AGE$/);
    expect(rows[1]).toMatch(/^demo\s+5\s+\d+s$/);
    const invalid = await file('invalid.yaml', 'apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata: {name: bad}\nspec: {replicas: 0}\n');
    expect((await kubectl('apply', '-f', invalid)).stderr.trim()).toBe('The BrokerCluster "bad" is invalid: spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
  });

  it('watches with get -w, describes, waits for a pod condition and for deletion', async () => {
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p0', labels: { app: 'p' } }, spec: { containers: [{ name: 'c', image: 'meshmq:1' }] } } });
    const watcher = kubectl.spawn('get', 'pods', '-w');
    const out = watcher.output;
    try {
      await waitFor(() => /^p0\s+0\/1\s+Pending\s+0\s+\d+s$/m.test(out()), { what: 'the initial watch table' }).catch((err: unknown) => { throw new Error(`watch output: ${JSON.stringify(out())}`, { cause: err }); });
      expect(out().split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      const pod = await core.readNamespacedPod({ namespace: 'default', name: 'p0' });
      await core.replaceNamespacedPodStatus({ namespace: 'default', name: 'p0', body: { ...pod, status: {
        phase: 'Running', podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'c', image: 'meshmq:1', imageID: '', ready: true, restartCount: 0, started: true, state: { running: {} } }],
      } } });
      await waitFor(() => /^p0\s+1\/1\s+Running\s+0\s+\d+s$/m.test(out()), { what: 'the MODIFIED row' });
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exited;
    }
    expect((await kubectl('wait', '--for=condition=Ready', 'pod/p0', '--timeout=10s')).stdout.trim()).toBe('pod/p0 condition met');
    const described = (await kubectl('describe', 'pod', 'p0')).stdout;
    expect(described).toMatch(/^Name:\s+p0$/m);
    expect(described).toMatch(/^Status:\s+Running$/m);
    expect(described).toMatch(/^IP:\s+10\.0\.0\.5$/m);
    expect(described).toMatch(/^QoS Class:\s+BestEffort$/m);
    expect((await kubectl('delete', 'pod', 'p0')).stdout.trim()).toBe('pod "p0" deleted');
    expect((await kubectl('get', 'pod', 'p0')).stderr.trim()).toBe('Error from server (NotFound): pods "p0" not found');
  });
});
