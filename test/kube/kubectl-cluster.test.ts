// The emulated cluster through the real kubectl, for what needs pods that run: `logs` (tail,
// follow, previous), `describe pod` with the kubelet's Events, Services with a ClusterIP, their
// Endpoints, and `rollout history` from ControllerRevisions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { waitFor } from '../support/wait.js';
import { startKubeEnvironment, type KubeEnvironment } from './environment.js';
import { createKubectl, hasKubectl, type Kubectl } from './kubectl-cli.js';

const kubectlInstalled = await hasKubectl();
const describeIfKubectl = kubectlInstalled ? describe : describe.skip;
if (!kubectlInstalled) process.stderr.write('kubectl-cluster.test.ts: skipped, kubectl is not installed\n');

let env: KubeEnvironment;
let dir: string;
let kubectl: Kubectl;
let core: CoreV1Api;

beforeAll(async () => {
  env = await startKubeEnvironment({ timeScale: 0.2, backoff: { initialMs: 200, maxMs: 400 } });
  dir = await mkdtemp(path.join(tmpdir(), 'kubectl-cluster-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await env.api.writeKubeconfig(kubeconfig);
  kubectl = createKubectl(kubeconfig);
  core = env.kubeConfig.makeApiClient(CoreV1Api);
}, 30_000);
afterAll(async () => {
  await env.close();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

function testPod(name: string, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      // The test image listens on POD_IP (else on every address, where pods on loopback addresses would collide).
      containers: [{ name: 'app', image: 'busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
      ...spec,
    },
  };
}

async function podStatus(name: string): Promise<V1Pod['status']> {
  return (await core.readNamespacedPod({ name, namespace: 'default' })).status;
}

async function control(pod: string, query: string): Promise<void> {
  await fetch(`http://${env.podAddress(pod) ?? ''}:8080/${query}`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text());
}

describeIfKubectl('kubectl against the emulated cluster', () => {
  it('prints container logs: whole, tail, follow until the container exits, previous after a restart', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: testPod('logger', { restartPolicy: 'OnFailure' }) });
    await waitFor(async () => (await podStatus('logger'))?.containerStatuses?.[0]?.state?.running, { what: 'logger running', timeoutMs: 15_000 });
    await waitFor(async () => /started on/.test((await kubectl('logs', 'logger')).stdout), { what: 'the start line in the log' });
    await control('logger', 'control?ready=true');
    const all = (await kubectl('logs', 'logger')).stdout.trim().split('\n');
    expect(all).toHaveLength(2);
    expect(all[1]).toMatch(/control ready=true live=true$/);
    expect((await kubectl('logs', 'logger', '--tail=1')).stdout.trim()).toBe(all[1]);

    const follower = kubectl.spawn('logs', '-f', 'pod/logger', '-c', 'app');
    await waitFor(() => follower.output().includes('control ready=true'), { what: 'the followed log' });
    await control('logger', 'exit?code=3');
    expect(await follower.exited).toBe(0);

    await waitFor(async () => (await podStatus('logger'))?.containerStatuses?.[0]?.restartCount === 1, { what: 'the restart', timeoutMs: 15_000 });
    await waitFor(async () => /started on/.test((await kubectl('logs', 'logger')).stdout), { what: 'the second run in the log' });
    expect((await kubectl('logs', 'logger')).stdout).not.toContain('control ready=true');
    expect((await kubectl('logs', 'logger', '--previous')).stdout).toContain('control ready=true');

    expect((await kubectl('logs', 'logger', '-c', 'nope')).stderr.trim()).toBe('error: container nope is not valid for pod logger');
    expect((await kubectl('get', '--raw', '/api/v1/namespaces/default/pods/logger/log?container=nope')).stderr.trim()).toBe('Error from server (BadRequest): container nope is not valid for pod logger');
    expect((await kubectl('logs', 'nobody')).stderr.trim()).toBe('error: error from server (NotFound): pods "nobody" not found in namespace "default"');
  }, 60_000);

  it('describes a pod with the events the scheduler and the kubelet record', async () => {
    const probe = { httpGet: { path: '/readyz', port: 'http' as unknown as object }, periodSeconds: 1 };
    const body = testPod('prober');
    body.spec!.containers[0]!.readinessProbe = probe as never;
    await core.createNamespacedPod({ namespace: 'default', body });
    await waitFor(async () => (await podStatus('prober'))?.containerStatuses?.[0]?.ready, { what: 'prober ready', timeoutMs: 15_000 });
    await control('prober', 'control?ready=false');
    const events = async (selector: string) => (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: selector })).items;
    const is503 = (e: { message?: string }) => e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503';
    await waitFor(async () => ((await events('involvedObject.name=prober,reason=Unhealthy')).find(is503)?.count ?? 0) >= 2, { what: 'repeated Unhealthy events folded into one', timeoutMs: 15_000 });

    const uid = (await core.readNamespacedPod({ name: 'prober', namespace: 'default' })).metadata?.uid ?? '';
    // The selector kubectl describe sends.
    const all = await events(`involvedObject.name=prober,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=${uid}`);
    // A probe may also have failed once before the server listened (connection refused): a second Unhealthy series.
    expect(all.filter((e) => !is503(e)).map((e) => e.reason).join()).toMatch(/^Scheduled,Pulled,Created,Started(,Unhealthy)?$/);
    expect(all[2]?.involvedObject).toMatchObject({ apiVersion: 'v1', kind: 'Pod', name: 'prober', namespace: 'default', uid, fieldPath: 'spec.containers{app}' });
    expect(all[2]?.source).toEqual({ component: 'kubelet', host: env.kubelet.nodeName });
    expect(all[0]?.source).toEqual({ component: 'default-scheduler' });

    const described = (await kubectl('describe', 'pod', 'prober')).stdout;
    const section = described.slice(described.indexOf('Events:')).split('\n');
    expect(section[1]).toMatch(/^ {2}Type {5}Reason {5}Age\s+From {15}Message$/);
    expect(section[3]).toMatch(/^ {2}Normal {3}Scheduled {2}\d+s\s+default-scheduler {2}Successfully assigned default\/prober to kube-emulator-node$/);
    expect(section[4]).toMatch(/^ {2}Normal {3}Pulled {5}\d+s\s+kubelet {12}Container image "busybox:1.36" already present on machine$/);
    expect(section[5]).toMatch(/^ {2}Normal {3}Created {4}\d+s\s+kubelet {12}Created container: app$/);
    expect(section[6]).toMatch(/^ {2}Normal {3}Started {4}\d+s\s+kubelet {12}Started container app$/);
    expect(section).toContainEqual(expect.stringMatching(/^ {2}Warning {2}Unhealthy {2}\d+s \(x\d+ over \d+s\)\s+kubelet {12}Readiness probe failed: HTTP probe failed with statuscode: 503$/));

    await kubectl('delete', 'pod', 'prober');
    expect((await events('involvedObject.name=prober,reason=Killing'))[0]?.message).toBe('Stopping container app');
  }, 60_000);

  it('records BackOff for a crash loop', async () => {
    const body = testPod('crasher');
    body.spec!.containers[0]!.env!.push({ name: 'EXIT_AFTER_MS', value: '50' }, { name: 'EXIT_CODE', value: '1' });
    await core.createNamespacedPod({ namespace: 'default', body });
    const backOff = await waitFor(async () => (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=crasher,reason=BackOff' })).items[0], { what: 'a BackOff event', timeoutMs: 15_000 });
    const uid = (await core.readNamespacedPod({ name: 'crasher', namespace: 'default' })).metadata?.uid ?? '';
    expect(backOff.message).toBe(`Back-off restarting failed container app in pod crasher_default(${uid})`);
    expect(backOff.type).toBe('Warning');
    await core.deleteNamespacedPod({ name: 'crasher', namespace: 'default' });
  }, 30_000);

  it('gives Services a ClusterIP and Endpoints of their ready pods, as get and describe show them', async () => {
    // The logger pod from the first test still runs: this Service selects it.
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'logs' }, spec: { selector: { app: 'logger' }, ports: [{ port: 80, targetPort: 'http' }] } } });
    const ip = (await core.readNamespacedService({ name: 'logs', namespace: 'default' })).spec?.clusterIP ?? '';
    expect(ip).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    const svcRows = (await kubectl('get', 'svc')).stdout.split('\n');
    expect(svcRows[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(svcRows).toContainEqual(expect.stringMatching(/^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/));
    expect(svcRows).toContainEqual(expect.stringMatching(new RegExp(`^logs\\s+ClusterIP\\s+${ip.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP\\s+\\d+s$`)));

    const address = `${env.podAddress('logger') ?? ''}:8080`;
    await waitFor(async () => (await kubectl('get', 'endpoints', 'logs')).stdout.includes(address), { what: 'the Endpoints of logs' });
    expect((await kubectl('get', 'endpoints', 'logs')).stdout.split('\n')[1]).toMatch(new RegExp(`^logs\\s+${address.replace(/\./g, '\\.')}\\s+\\d+s$`));
    const described = (await kubectl('describe', 'svc', 'logs')).stdout;
    expect(described).toMatch(new RegExp(`^IP:\\s+${ip.replace(/\./g, '\\.')}$`, 'm'));
    expect(described).toMatch(new RegExp(`^Endpoints:\\s+${address.replace(/\./g, '\\.')}$`, 'm'));
    const slices = (await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=logs')).stdout.split('\n');
    expect(slices[0]).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
    expect(slices[1]).toMatch(new RegExp(`^logs-\\w{5}\\s+IPv4\\s+8080\\s+${env.podAddress('logger')?.replace(/\./g, '\\.') ?? ''}\\s+\\d+s$`));

    // The pod goes: so does its address; the Service goes: so do its Endpoints.
    await core.deleteNamespacedPod({ name: 'logger', namespace: 'default', gracePeriodSeconds: 0 });
    await waitFor(async () => (await core.readNamespacedEndpoints({ name: 'logs', namespace: 'default' })).subsets === undefined, { what: 'no addresses left' });
    await core.deleteNamespacedService({ name: 'logs', namespace: 'default' });
    await waitFor(async () => (await kubectl('get', 'endpoints', 'logs')).code !== 0, { what: 'the Endpoints removed with the Service' });
  }, 30_000);

  it('keeps ControllerRevisions for a StatefulSet: rollout history and undo', async () => {
    const apps = env.kubeConfig.makeApiClient(AppsV1Api);
    const set = (version: string): V1StatefulSet => ({
      metadata: { name: 'hist', namespace: 'default' },
      spec: {
        replicas: 1, serviceName: 'hist', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'hist' } },
        template: { metadata: { labels: { app: 'hist' } }, spec: { ...testPod('hist').spec!, containers: [{ ...testPod('hist').spec!.containers[0]!, image: `busybox:${version}` }] } },
      },
    });
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: set('1.35') });
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name: 'hist', namespace: 'default' })).status?.readyReplicas === 1, { what: 'hist ready', timeoutMs: 15_000 });
    expect((await kubectl('set', 'image', 'sts/hist', 'app=busybox:1.36')).code).toBe(0);
    const revisionsOf = async () => (await apps.listNamespacedControllerRevision({ namespace: 'default', labelSelector: 'app=hist' })).items.map((r) => [r.revision, r.metadata?.name]).sort();
    await waitFor(async () => (await revisionsOf()).length === 2, { what: 'a second revision' });
    const [first, second] = await revisionsOf();
    const status = (await apps.readNamespacedStatefulSet({ name: 'hist', namespace: 'default' })).status;
    expect(status?.updateRevision).toBe(second?.[1]);

    expect((await kubectl('rollout', 'history', 'sts/hist')).stdout.split('\n').map((l) => l.trimEnd())).toEqual(['statefulset.apps/hist', 'REVISION  CHANGE-CAUSE', '1         <none>', '2         <none>', '', '']);
    expect((await kubectl('rollout', 'history', 'sts/hist', '--revision=1')).stdout).toMatch(/^ {4}Image:\s+busybox:1\.35$/m);
    const revRows = (await kubectl('get', 'controllerrevisions')).stdout.split('\n');
    expect(revRows[0]).toMatch(/^NAME\s+CONTROLLER\s+REVISION\s+AGE$/);
    expect(revRows).toContainEqual(expect.stringMatching(new RegExp(`^${String(first?.[1])}\\s+statefulset\\.apps/hist\\s+1\\s+\\d+s$`)));

    // Undo applies revision 1's patch: its template is used again and becomes revision 3.
    expect((await kubectl('rollout', 'undo', 'sts/hist')).stdout.trim()).toBe('statefulset.apps/hist rolled back');
    await waitFor(async () => (await revisionsOf()).some(([n, name]) => n === 3 && name === first?.[1]), { what: 'revision 1 renumbered 3' });
    expect((await apps.readNamespacedStatefulSet({ name: 'hist', namespace: 'default' })).spec?.template.spec?.containers[0]?.image).toBe('busybox:1.35');
    await apps.deleteNamespacedStatefulSet({ name: 'hist', namespace: 'default' });
  }, 40_000);
});
