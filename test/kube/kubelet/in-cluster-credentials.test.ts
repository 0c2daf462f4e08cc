// A pod uses the API as it would in a cluster: client-node's loadFromCluster() inside the pod finds
// KUBERNETES_SERVICE_HOST/PORT and the token, CA and namespace at /var/run/secrets/kubernetes.io/
// serviceaccount (bind-mounted in the container's own mount namespace), and its requests reach
// the apiserver as the pod's ServiceAccount.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { isRoot, itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { repositoryRoot } from './image-map.js';

const it = itRequiring(isRoot());
const clientNode = path.join(repositoryRoot(), 'node_modules/@kubernetes/client-node/dist/index.js');
// What an in-cluster program does first: load the ServiceAccount config and list its namespace's pods.
const script = `
const { KubeConfig, CoreV1Api } = await import(${JSON.stringify(clientNode)});
const fs = await import('node:fs');
const kc = new KubeConfig();
kc.loadFromCluster();
const ns = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8');
const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns });
console.log(JSON.stringify({ server: kc.getCurrentCluster().server, ns, pods: pods.items.map((p) => p.metadata.name) }));
setInterval(() => {}, 1000);
`;

describe('in-cluster credentials', () => {
  let env: KubeEnvironment | undefined;
  beforeAll(async () => { if (isRoot().ok) env = await startKubeEnvironment({ root: true }); }, 60_000);
  afterAll(async () => { await env?.close(); }, 30_000);

  it('loadFromCluster() in a pod reaches the apiserver as the ServiceAccount of the pod', async () => {
    const e = env as KubeEnvironment;
    const core = e.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'apps' } } });
    await waitFor(async () => (await core.listNamespacedServiceAccount({ namespace: 'apps' })).items.length > 0, { what: 'default ServiceAccount in apps' });
    await core.createNamespacedServiceAccount({ namespace: 'apps', body: { metadata: { name: 'reader' } } });
    await core.createNamespacedPod({ namespace: 'apps', body: {
      metadata: { name: 'client' },
      spec: { serviceAccountName: 'reader', containers: [{ name: 'main', image: 'meshmq/test-image:1', command: ['node', '--input-type=module', '-e', script] }] },
    } });
    let log = '';
    await waitFor(async () => {
      const file = e.podLogFile('apps/client', 'main');
      log = file ? await readFile(file, 'utf8').catch(() => '') : '';
      return log.includes('"pods"') || log.includes('Error');
    }, { what: 'the in-pod client to answer', timeoutMs: 30_000 });
    const answer = JSON.parse(log.trim().split('\n').find((l) => l.startsWith('{')) ?? '{}') as { server?: string; ns?: string; pods?: string[] };
    expect(answer).toEqual({ server: e.api.url, ns: 'apps', pods: ['client'] });
    const seen = e.api.audit.entries({ user: 'system:serviceaccount:apps:reader' });
    expect(seen.map((x) => `${x.verb} ${x.resource} ${x.namespace} ${x.code}`)).toContain('list pods apps 200');
    // The host never sees the pod's credentials at the fixed path: they live in its mount namespace.
    await expect(readFile('/var/run/secrets/kubernetes.io/serviceaccount/token', 'utf8')).rejects.toThrow();
  }, 60_000);
});
