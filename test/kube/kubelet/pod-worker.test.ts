// A pod as real processes (the generic test image over the loopback network): environment,
// downward API, mounted files, probes, restarts and graceful termination.
import { describe, it, expect, afterEach, beforeAll, afterAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { V1Pod, V1Probe } from '@kubernetes/client-node';
import { silentLogger } from '../../../broker/contract/logger.js';
import { LoopbackNetwork } from '../network/loopback-network.js';
import { defaultImageMap, repositoryRoot } from './image-map.js';
import { PodWorker } from './pod-worker.js';
import { waitFor } from '../../support/wait.js';

const testImage = path.join(repositoryRoot(), 'dist/test/kube/kubelet/test-image.js');
if (!existsSync(testImage)) throw new Error(`${testImage} is missing: run \`npm run build\` first`);

const podIpEnv = { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };
const probe = (p: string): V1Probe => ({ httpGet: { path: p, port: 'http' }, periodSeconds: 1, failureThreshold: 2 });

describe('PodWorker', () => {
  let network: LoopbackNetwork;
  let dir: string;
  const workers: PodWorker[] = [];
  beforeAll(async () => {
    network = await LoopbackNetwork.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'pod-worker-'));
  });
  afterEach(async () => { await Promise.all(workers.splice(0).map((w) => w.close())); });
  afterAll(async () => { await network.close(); await rm(dir, { recursive: true, force: true }); });

  function startPod(pod: V1Pod): PodWorker {
    const worker = new PodWorker(pod, {
      network, imageMap: defaultImageMap(), podsDir: path.join(dir, 'pods'), logsDir: path.join(dir, 'logs'),
      loadSources: async () => ({
        configMaps: new Map([['cfg', { data: { 'app.yaml': 'tls: /etc/app/tls/tls.crt\n', GREETING: 'hello' } }]]),
        secrets: new Map([['sec', { data: { 'tls.crt': Buffer.from('CERT').toString('base64') } }]]),
      }),
      nodeEnv: { MESHMQ_CLUSTER_DNS_SERVER: '127.0.0.53:53' }, hostIp: network.hostAddress,
      timeScale: 0.2, backoff: { initialMs: 200, maxMs: 1000 }, logger: silentLogger, onChange: () => undefined,
    });
    workers.push(worker);
    void worker.start();
    return worker;
  }
  const get = async (worker: PodWorker, p: string) => {
    const res = await fetch(`http://${worker.podIp}:8080${p}`);
    return await res.json() as Record<string, unknown>;
  };
  const container = (worker: PodWorker) => (worker.status()['containerStatuses'] as Array<Record<string, any>>)[0]!;
  const condition = (worker: PodWorker, type: string) => (worker.status()['conditions'] as Array<Record<string, string>>).find((c) => c.type === type)?.status;

  it('runs the container with its env, downward API, mounted files and readiness', async () => {
    const worker = startPod({
      metadata: { name: 'web-0', namespace: 'ns1', uid: 'uid-web-0' },
      spec: {
        containers: [{
          name: 'app', image: 'meshmq/test-image:dev', args: ['--config', '/etc/app/conf/app.yaml', '$(POD_NAME)'],
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [podIpEnv, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'READY_AFTER_MS', value: '300' }],
          envFrom: [{ configMapRef: { name: 'cfg' } }],
          volumeMounts: [{ name: 'conf', mountPath: '/etc/app/conf' }, { name: 'tls', mountPath: '/etc/app/tls' }],
          readinessProbe: probe('/readyz'),
        }],
        volumes: [{ name: 'conf', configMap: { name: 'cfg' } }, { name: 'tls', secret: { secretName: 'sec' } }],
      },
    });
    await waitFor(() => condition(worker, 'Ready') === 'True', { what: 'pod ready', timeoutMs: 10_000 });
    expect(worker.status()['phase']).toBe('Running');
    expect(worker.status()['podIP']).toBe(worker.podIp);
    const env = await get(worker, '/env');
    expect(env).toMatchObject({ POD_NAME: 'web-0', POD_IP: worker.podIp, GREETING: 'hello', MESHMQ_CLUSTER_DNS_SERVER: '127.0.0.53:53', HOSTNAME: 'web-0' });
    const args = await get(worker, '/args') as unknown as string[];
    expect(args[2]).toBe('web-0');
    const configPath = args[1] as string;
    expect(configPath).not.toBe('/etc/app/conf/app.yaml');
    const config = (await get(worker, `/file?path=${encodeURIComponent(configPath)}`))['text'] as string;
    const certPath = config.replace(/^tls: /, '').trim();
    expect((await get(worker, `/file?path=${encodeURIComponent(certPath)}`))['text']).toBe('CERT');
    expect(container(worker)).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0 });
    expect(await readFile(worker.logFile('app'), 'utf8')).toMatch(/started on/);
  });

  it('restarts a container whose liveness probe fails, and one that exits, per restartPolicy', async () => {
    const worker = startPod({
      metadata: { name: 'live-0', namespace: 'ns1', uid: 'uid-live-0' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }], env: [podIpEnv], livenessProbe: probe('/healthz') }],
      },
    });
    await waitFor(() => get(worker, '/healthz'), { what: 'container serving' });
    await get(worker, '/control?live=false');
    await waitFor(() => container(worker)['restartCount'] === 1 && container(worker)['ready'], { what: 'restart after liveness failure', timeoutMs: 10_000 });
    expect(container(worker)['lastState']['terminated']).toMatchObject({ exitCode: 0, reason: 'Completed' });
    await waitFor(() => get(worker, '/exit?code=3'), { what: 'restarted container serving' });
    await waitFor(() => container(worker)['restartCount'] === 2, { what: 'restart after exit', timeoutMs: 10_000 });
    expect(container(worker)['lastState']['terminated']).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('ends with phase Failed under restartPolicy Never', async () => {
    const worker = startPod({
      metadata: { name: 'once-0', namespace: 'ns1', uid: 'uid-once-0' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox', env: [podIpEnv, { name: 'EXIT_AFTER_MS', value: '100' }, { name: 'EXIT_CODE', value: '4' }] }] },
    });
    await waitFor(() => worker.status()['phase'] === 'Failed', { what: 'phase Failed' });
    expect(container(worker)['state']['terminated']).toMatchObject({ exitCode: 4 });
  });

  it('terminates gracefully with SIGTERM, and with SIGKILL after the grace period', async () => {
    const polite = startPod({ metadata: { name: 'polite', namespace: 'ns1', uid: 'uid-polite' }, spec: { containers: [{ name: 'app', image: 'busybox', env: [podIpEnv] }] } });
    const stubborn = startPod({ metadata: { name: 'stubborn', namespace: 'ns1', uid: 'uid-stubborn' }, spec: { containers: [{ name: 'app', image: 'busybox', env: [podIpEnv, { name: 'IGNORE_SIGTERM', value: 'true' }] }] } });
    await waitFor(async () => await get(polite, '/healthz') && await get(stubborn, '/healthz'), { what: 'both serving' });
    const t0 = Date.now();
    await polite.terminate(30);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(container(polite)['state']['terminated']).toMatchObject({ exitCode: 0 });
    await stubborn.terminate(2); // 2 s scaled by 0.2 = 400 ms
    expect(container(stubborn)['state']['terminated']).toMatchObject({ exitCode: 137, signal: 9 });
    expect(await readFile(stubborn.logFile('app'), 'utf8')).toMatch(/SIGTERM/);
  });
});
