// Deployment and ReplicaSet semantics through the API, with pods as real processes (the generic test
// image) and the real kubectl: rollout status, a rolling update that keeps within maxSurge and
// maxUnavailable, history and undo, scale, Recreate, the progress deadline, cascading deletion.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { silentLogger } from '../../../broker/contract/logger.js';
import { waitFor } from '../../support/wait.js';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { createKubectl, type Kubectl } from '../kubectl-cli.js';
import { WatchedCache } from './watched-cache.js';

const ns = 'default';

function deployment(name: string, opts: { replicas?: number; strategy?: string; image?: string; env?: Record<string, string>; extra?: string } = {}): string {
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `\n            - { name: ${k}, value: "${v}" }`).join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec:
  replicas: ${opts.replicas ?? 3}
  selector: { matchLabels: { app: ${name} } }
  strategy: ${opts.strategy ?? '{ type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }'}${opts.extra ?? ''}
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: ${opts.image ?? 'meshmq/test-image:1'}
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /readyz, port: http }, periodSeconds: 1 }
          env:
            - { name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }${env}
`;
}

const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('Deployment and ReplicaSet controllers', () => {
  let env: KubeEnvironment;
  let dir: string;
  let kubectl: Kubectl;
  let apps: AppsV1Api;
  let pods: WatchedCache<V1Pod>;
  /** After every pod event: the live (not terminating) pods and the ready ones, per app label. */
  const history: Array<{ app: string; live: number; ready: number; verb: string; name: string; image: string }> = [];

  beforeAll(async () => {
    env = await startKubeEnvironment({ timeScale: 0.3 });
    dir = await mkdtemp(path.join(tmpdir(), 'deploy-test-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await env.api.writeKubeconfig(kubeconfig);
    kubectl = createKubectl(kubeconfig, 60_000);
    apps = env.kubeConfig.makeApiClient(AppsV1Api);
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    pods = await WatchedCache.start<V1Pod>({
      kubeConfig: env.kubeConfig, path: '/api/v1/pods', logger: silentLogger, list: () => core.listPodForAllNamespaces(),
      onChange: (pod, verb) => {
        const app = pod.metadata?.labels?.['app'] ?? '';
        const mine = pods?.list(ns).filter((p) => p.metadata?.labels?.['app'] === app && !p.metadata?.deletionTimestamp) ?? [];
        history.push({ app, verb, name: pod.metadata?.name ?? '', image: pod.spec?.containers[0]?.image ?? '', live: mine.length, ready: mine.filter(isReady).length });
      },
    });
  }, 30_000);
  afterAll(async () => { await pods?.close(); await env?.close(); await rm(dir, { recursive: true, force: true }); }, 30_000);

  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const apply = async (manifest: string): Promise<void> => {
    const file = path.join(dir, `m-${Date.now()}.yaml`);
    await writeFile(file, manifest);
    await ok('apply', '-f', file);
  };
  const sets = async (app: string): Promise<V1ReplicaSet[]> => (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${app}` })).items
    .sort((a, b) => Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision']));
  const livePods = (app: string): V1Pod[] => pods.list(ns).filter((p) => p.metadata?.labels?.['app'] === app && !p.metadata?.deletionTimestamp);

  it('rolls out a new Deployment: one ReplicaSet named by its pod-template-hash, pods, status and conditions', async () => {
    await apply(deployment('web'));
    const status = await ok('rollout', 'status', 'deploy/web', '--timeout=60s');
    expect(status).toContain('deployment "web" successfully rolled out');
    const [rs, ...others] = await sets('web');
    expect(others).toEqual([]);
    const hash = rs?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(rs?.metadata?.name).toBe(`web-${hash}`);
    expect(rs?.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs?.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true })]);
    expect(rs?.spec?.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    const mine = livePods('web');
    expect(mine).toHaveLength(3);
    for (const p of mine) {
      expect(p.metadata?.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: `web-${hash}`, uid: rs?.metadata?.uid });
    }
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(d.status?.unavailableReplicas ?? 0).toBe(0);
    const byType = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(byType['Available']).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(byType['Progressing']).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });
    expect(rs?.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  }, 90_000);

  it('kubectl get deploy,rs,pods prints as on a cluster', async () => {
    const out = await ok('get', 'deploy,rs,pods', '-l', 'app=web');
    const hash = (await sets('web'))[0]?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(out).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/web\s+3\/3\s+3\s+3\s+\d+s/);
    expect(out).toMatch(new RegExp(`NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+AGE\\nreplicaset\\.apps/web-${hash}\\s+3\\s+3\\s+3\\s+\\d+s`));
    expect(out.match(new RegExp(`pod/web-${hash}-\\w{5}\\s+1/1\\s+Running\\s+0`, 'g'))).toHaveLength(3);
    const wide = await ok('get', 'rs', '-o', 'wide', '-l', 'app=web');
    expect(wide).toMatch(new RegExp(`CONTAINERS\\s+IMAGES\\s+SELECTOR\\n.*app\\s+meshmq/test-image:1\\s+app=web,pod-template-hash=${hash}`));
  }, 30_000);

  it('a rolling update stays within maxSurge 1 and maxUnavailable 0, then scales the old ReplicaSet to zero', async () => {
    const mark = history.length;
    await ok('set', 'image', 'deploy/web', 'app=meshmq/test-image:2');
    expect(await ok('rollout', 'status', 'deploy/web', '--timeout=90s')).toContain('successfully rolled out');
    const during = history.slice(mark).filter((h) => h.app === 'web');
    // Never more than replicas + maxSurge pods, never fewer than replicas ready once the first new one was up.
    expect(Math.max(...during.map((h) => h.live))).toBeLessThanOrEqual(4);
    expect(Math.min(...during.map((h) => h.ready))).toBeGreaterThanOrEqual(3);
    const [old, current] = await sets('web');
    expect(old?.spec?.replicas).toBe(0);
    expect(current?.spec?.replicas).toBe(3);
    expect(current?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(livePods('web').every((p) => p.spec?.containers[0]?.image === 'meshmq/test-image:2')).toBe(true);
    const describe = await ok('describe', 'deploy', 'web');
    expect(describe).toMatch(new RegExp(`ScalingReplicaSet\\s+.*Scaled up replica set ${current?.metadata?.name ?? ''} from 0 to 1`));
    expect(describe).toMatch(new RegExp(`Scaled down replica set ${old?.metadata?.name ?? ''} from 1 to 0`));
    expect(describe).toMatch(/OldReplicaSets:\s+web-\w+ \(0\/0 replicas created\)/);
    expect(describe).toMatch(/NewReplicaSet:\s+web-\w+ \(3\/3 replicas created\)/);
  }, 120_000);

  it('rollout history lists both revisions and rollout undo brings revision 1 back as revision 3', async () => {
    const historyOut = await ok('rollout', 'history', 'deploy/web');
    expect(historyOut).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const [first] = await sets('web');
    await ok('rollout', 'undo', 'deploy/web');
    expect(await ok('rollout', 'status', 'deploy/web', '--timeout=90s')).toContain('successfully rolled out');
    const back = await apps.readNamespacedReplicaSet({ name: first?.metadata?.name ?? '', namespace: ns });
    expect(back.spec?.replicas).toBe(3);
    expect(back.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(livePods('web').every((p) => p.spec?.containers[0]?.image === 'meshmq/test-image:1')).toBe(true);
  }, 120_000);

  it('kubectl scale resizes the ReplicaSet; a deleted pod is replaced', async () => {
    await ok('scale', 'deploy/web', '--replicas=5');
    await waitFor(() => livePods('web').filter(isReady).length === 5, { what: '5 ready pods', timeoutMs: 30_000 });
    const active = (await sets('web')).filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    expect(active).toHaveLength(1);
    expect(active[0]?.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('5');
    const victim = livePods('web')[0]?.metadata?.name ?? '';
    await ok('delete', 'pod', victim, '--wait=false');
    await waitFor(() => { const live = livePods('web'); return live.length === 5 && !live.some((p) => p.metadata?.name === victim) && live.every(isReady); }, { what: 'the deleted pod replaced', timeoutMs: 30_000 });
  }, 60_000);

  it('Recreate stops every old pod before the first new one starts', async () => {
    await apply(deployment('batch', { replicas: 2, strategy: '{ type: Recreate }' }));
    await ok('rollout', 'status', 'deploy/batch', '--timeout=60s');
    const mark = history.length;
    await ok('set', 'image', 'deploy/batch', 'app=meshmq/test-image:2');
    expect(await ok('rollout', 'status', 'deploy/batch', '--timeout=60s')).toContain('successfully rolled out');
    const events = history.slice(mark).filter((h) => h.app === 'batch');
    const firstNew = events.findIndex((h) => h.verb === 'add' && h.image === 'meshmq/test-image:2');
    const lastOldGone = events.map((h, i) => (h.verb === 'delete' && h.image === 'meshmq/test-image:1' ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(firstNew).toBeGreaterThan(lastOldGone);
    expect(lastOldGone).toBeGreaterThanOrEqual(0);
  }, 90_000);

  it('a rollout that cannot progress is marked ProgressDeadlineExceeded and rollout status fails', async () => {
    await apply(deployment('stuck', { replicas: 1, env: { READY_AFTER_MS: '600000' }, extra: '\n  progressDeadlineSeconds: 3' }));
    const r = await kubectl('rollout', 'status', 'deploy/stuck', '--timeout=60s');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace: ns });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  }, 90_000);

  it('deleting a Deployment deletes its ReplicaSets and pods', async () => {
    await ok('delete', 'deploy', 'web', '--wait=true', '--timeout=60s');
    await waitFor(async () => (await sets('web')).length === 0 && livePods('web').length === 0, { what: 'ReplicaSets and pods gone', timeoutMs: 30_000 });
  }, 60_000);
});
