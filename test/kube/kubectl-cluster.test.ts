// The emulated cluster through the real kubectl, for what needs pods that run: `logs` (tail,
// follow, previous), `describe pod` with the kubelet's Events, Services with a ClusterIP, their
// Endpoints, and `rollout history` from ControllerRevisions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
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
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }], ...spec },
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
});

