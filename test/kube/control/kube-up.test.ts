// `npm run kube:up` as users run it, from another shell: the process writes a kubeconfig and a
// state file, `kube:partition` cuts the network between groups of pods and `kube:heal` restores it
// (checked from inside the pods), and SIGINT to its pid stops it, removing what it wrote.
import { afterAll, describe, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from '../kubelet/image-map.js';
import { canUseNetns } from '../network/ip-command.js';
import { createKubectl } from '../kubectl-cli.js';
import { itRequiring, isRoot } from '../../support/requirements.js';
import { SpawnedProcess } from '../../support/spawned-process.js';
import { waitFor } from '../../support/wait.js';
import { STATE_FILE_NAME } from './state-file.js';

const run = promisify(execFile);
const root = repositoryRoot();
const built = { ok: existsSync(path.join(root, 'dist/test/kube/up.js')), reason: 'needs the build (npm run build)' };
const netns = { ok: isRoot().ok, reason: 'needs root (network namespaces)' };

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: pt }
spec:
  replicas: 3
  serviceName: pt
  podManagementPolicy: Parallel
  selector: { matchLabels: { app: pt } }
  template:
    metadata: { labels: { app: pt } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: busybox
          ports: [{ name: http, containerPort: 8080 }]
          env: [{ name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]
          readinessProbe: { httpGet: { path: /readyz, port: http }, periodSeconds: 1 }
`;

describe('kube:up with kube:partition and kube:heal from another shell', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); }, 30_000);

  itRequiring(built, netns)('cuts and heals the network between pods, and stops cleanly on SIGINT', async () => {
    if (!await canUseNetns()) throw new Error('ip netns does not work here');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kube-up-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kubeconfig = path.join(dir, 'config');
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const up = new SpawnedProcess({ name: 'kube:up', command: process.execPath, args: [path.join(root, 'dist/test/kube/up.js')], env, cwd: dir });
    cleanups.push(() => up.kill());
    await up.waitForOutput(/Press Ctrl-C/, 60_000);
    expect(existsSync(path.join(dir, STATE_FILE_NAME))).toBe(true);

    const kubectl = createKubectl(kubeconfig);
    const manifest = path.join(dir, 'pt.yaml');
    await writeFile(manifest, STATEFULSET);
    expect((await kubectl('apply', '-f', manifest)).code).toBe(0);
    const podIp = async (pod: string): Promise<string> => (await kubectl('get', 'pod', pod, '-o', 'jsonpath={.status.podIP}')).stdout;
    await waitFor(async () => (await kubectl('get', 'sts', 'pt', '-o', 'jsonpath={.status.readyReplicas}')).stdout === '3', { what: '3 ready pods', timeoutMs: 30_000 });
    const ips = { 'pt-0': await podIp('pt-0'), 'pt-1': await podIp('pt-1'), 'pt-2': await podIp('pt-2') };
    const connect = async (from: keyof typeof ips, to: keyof typeof ips): Promise<unknown> => {
      const res = await fetch(`http://${ips[from]}:8080/connect?host=${ips[to]}&port=8080&timeoutMs=700`, { signal: AbortSignal.timeout(3000) });
      return (await res.json() as Record<string, unknown>)['result'];
    };
    const cli = (...args: string[]) => run(process.execPath, [path.join(root, 'dist/test/kube/control/kube-control-cli.js'), ...args], { env, cwd: dir });

    const cut = await cli('partition', '-n', 'default', 'pt-0,pt-1', '/', 'pt-2');
    expect(cut.stdout).toMatch(/network cut between default\/pt-0,default\/pt-1 \| default\/pt-2/);
    expect(await connect('pt-0', 'pt-2')).toBe('timeout');
    expect(await connect('pt-2', 'pt-1')).toBe('timeout');
    await waitFor(async () => (await connect('pt-0', 'pt-1')) === 'ok', { what: `connect('pt-0', 'pt-1') connects`, timeoutMs: 15_000, intervalMs: 200 });
    await expect(cli('partition', 'pt-0')).rejects.toMatchObject({ code: 2 });

    await cli('heal');
    await waitFor(async () => (await connect('pt-0', 'pt-2')) === 'ok', { what: `connect('pt-0', 'pt-2') connects`, timeoutMs: 15_000, intervalMs: 200 });

    // SIGINT to its pid alone (not to a whole process group, as a terminal's Ctrl-C would).
    expect(await up.stop('SIGINT', 30_000)).toEqual({ code: 0, signal: null });
    expect(up.output()).toMatch(/stopped/);
    expect(existsSync(kubeconfig)).toBe(false);
    expect(existsSync(path.join(dir, STATE_FILE_NAME))).toBe(false);
    await expect(cli('heal')).rejects.toMatchObject({ stderr: expect.stringMatching(/no running kube:up/) });
  }, 120_000);
});
