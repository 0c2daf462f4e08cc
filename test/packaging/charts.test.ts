// The two Helm charts checked with the real Helm 4 and kubectl 1.33: derived files in sync (CRD
// copy, values schema, kubectl bundle), `helm lint --strict`, `helm template` of the default values
// and of every ci/ values file validated against the Kubernetes schemas offline and by a
// server-side dry run on the API emulator, bad values refused by the schema with the key named, and
// what the templates make of the values (RBAC per mode, alerts, dashboard).
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { parse } from 'yaml';
import { createKubectl, type Kubectl } from '../kube/kubectl-cli.js';
import { startKubectlSession, type KubectlSession } from '../kube/kubectl-session.js';
import { createHelm, unpackKubeTools, type Helm } from '../support/kube-tools.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { BUNDLE, bundleText, CHART_CRD, CLUSTER_CHART, CLUSTER_SCHEMA, clusterValuesSchemaText, CRD_SOURCE, OPERATOR_CHART } from './chart-artifacts.js';
import { parseManifests, validateManifests, type Manifest } from './manifest-validation.js';
import { uncommentedOptions, valuesKeys } from './values-comments.js';

const it = itRequiring(hasCommand('unzip', ['-v']));
const ciFiles = (chart: string): string[] => readdirSync(path.join(chart, 'ci')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(chart, 'ci', f));
const CASES: Array<[string, string, string | undefined]> = [OPERATOR_CHART, CLUSTER_CHART].flatMap((chart) =>
  [undefined, ...ciFiles(chart)].map((f): [string, string, string | undefined] => [`${path.basename(chart)} with ${f ? `ci/${path.basename(f)}` : 'the default values'}`, chart, f]));

let helm: Helm;
let session: KubectlSession;
let kubectl133: Kubectl;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charts-test-'));
  session = await startKubectlSession();
  if (!hasCommand('unzip', ['-v']).ok) return;
  const tools = await unpackKubeTools();
  const kubeconfig = path.join(dir, 'kubeconfig');
  await session.api.writeKubeconfig(kubeconfig);
  helm = createHelm(tools.helm, kubeconfig, path.join(dir, 'helm-home'));
  kubectl133 = createKubectl(kubeconfig, 30_000, tools.kubectl);
  // What the dry runs need: the namespaces, the BrokerCluster CRD and the Prometheus Operator's.
  for (const ns of ['meshmq-system', 'mqtt', 'iot', 'monitoring']) await session.kubectl('create', 'namespace', ns);
  await session.installCrd(CRD_SOURCE, 'brokerclusters.meshmq.io');
  await session.installCrd(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/prometheus-operator-crds.yaml'), 'servicemonitors.monitoring.coreos.com');
}, 120_000);
afterAll(async () => { await session?.close(); await rm(dir, { recursive: true, force: true }); });

async function template(chart: string, values?: string, ...extra: string[]): Promise<Manifest[]> {
  const r = await helm('template', 'mqtt', chart, '--namespace', 'mqtt', ...(values ? ['-f', values] : []), ...extra);
  if (r.code !== 0) throw new Error(`helm template ${chart} ${values ?? ''}: ${r.stderr}`);
  return parseManifests(r.stdout);
}

describe('derived files', () => {
  it('the operator chart carries the same bytes of the CRD as crds/', async () => {
    expect(await readFile(CHART_CRD, 'utf8')).toBe(await readFile(CRD_SOURCE, 'utf8'));
  });
  it('the meshmq-cluster values schema is generated from the CRD (npm run gen:charts)', async () => {
    expect(await readFile(CLUSTER_SCHEMA, 'utf8')).toBe(await clusterValuesSchemaText());
  });
  it('deploy/meshmq-operator.yaml is helm template of the operator chart (npm run gen:charts)', async () => {
    expect(await readFile(BUNDLE, 'utf8')).toBe(await bundleText(helm));
  }, 30_000);
});

describe('helm lint and template', () => {
  it.each(CASES)('%s: lint --strict, Kubernetes schemas, server-side dry run', async (_name, chart, values) => {
    const lint = await helm('lint', '--strict', chart, ...(values ? ['-f', values] : []));
    expect(lint.stderr + lint.stdout).toContain('0 chart(s) failed');
    const manifests = await template(chart, values);
    expect(manifests.length).toBeGreaterThan(0);
    expect(validateManifests(manifests)).toEqual([]);
    const file = path.join(dir, `${path.basename(chart)}-${path.basename(values ?? 'default')}`);
    await writeFile(file, manifests.filter((m) => m.kind !== 'CustomResourceDefinition').map((m) => JSON.stringify(m)).join('\n---\n'));
    const dry = await kubectl133('apply', '--dry-run=server', '--validate=strict', '-f', file);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
  }, 60_000);

  it.each([
    [CLUSTER_CHART, ['--set', 'replica=3'], "additional properties 'replica' not allowed"],
    [CLUSTER_CHART, ['--set', 'replicas=0'], "at '/replicas': minimum: got 0, want 1"],
    [CLUSTER_CHART, ['--set', 'persistence.type=disk'], "at '/persistence/type'"],
    [CLUSTER_CHART, ['--set', 'cluster.autoclean=soon'], "at '/cluster/autoclean'"],
    [OPERATOR_CHART, ['--set', 'watchNamespaces[0]=Bad_NS'], "at '/watchNamespaces/0'"],
    [OPERATOR_CHART, ['--set', 'operator.logLevel=loud'], "at '/operator/logLevel'"],
    [OPERATOR_CHART, ['--set', 'image.pullPolicy=Sometimes'], "at '/image/pullPolicy'"],
  ].map(([chart, args, message]) => [path.basename(chart as string), (args as string[]).join(' '), chart, args, message] as const))('%s refuses %s, naming the key', async (_name, _args, chart, args, message) => {
    const r = await helm('template', 'x', chart as string, ...(args as string[]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});

describe('values.yaml', () => {
  it('meshmq-operator: a comment covers every option, and the schema knows every option', async () => {
    const text = await readFile(path.join(OPERATOR_CHART, 'values.yaml'), 'utf8');
    expect(uncommentedOptions(text)).toEqual([]);
    const schema = JSON.parse(await readFile(path.join(OPERATOR_CHART, 'values.schema.json'), 'utf8')) as { properties: Record<string, { properties?: Record<string, unknown> }> };
    const values = parse(text) as Record<string, unknown>;
    const missing = Object.entries(values).flatMap(([k, v]) => {
      const prop = schema.properties[k];
      if (!prop) return [k];
      if (v && typeof v === 'object' && !Array.isArray(v) && prop.properties) return Object.keys(v).filter((sub) => !(sub in (prop.properties ?? {}))).map((sub) => `${k}.${sub}`);
      return [];
    });
    expect(missing).toEqual([]);
  });

  it('meshmq-cluster: every field of the spec appears (set, or commented out with an example), a comment covering each', async () => {
    const text = await readFile(path.join(CLUSTER_CHART, 'values.yaml'), 'utf8');
    const crd = parse(await readFile(CRD_SOURCE, 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }> } };
    const fields = Object.keys(crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties ?? {});
    expect(fields.length).toBeGreaterThan(10);
    const present = new Set(valuesKeys(text).map((k) => k.path));
    expect(fields.filter((f) => !present.has(f))).toEqual([]);
    expect(uncommentedOptions(text)).toEqual([]);
  });

  it('the comment check finds an option without a comment', () => {
    expect(uncommentedOptions('# A.\na: 1\nb: 2\n\nc:\n  # D.\n  d: 1\n\n  e: 2\n# f: 3\n')).toEqual(['c.e (line 9)', 'f (line 10)']);
  });
});

describe('what the operator chart renders', () => {
  const byKind = (ms: Manifest[], kind: string): Manifest[] => ms.filter((m) => m.kind === kind);

  it('runs two leader-electing operators with the downward API, probes, a restricted security context and resources', async () => {
    const [deployment] = byKind(await template(OPERATOR_CHART), 'Deployment') as [Manifest & { spec: any }];
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('meshmq/operator:0.1.0');
    expect(container.args).toEqual(expect.arrayContaining(['--leader-elect=true', '--lease-name=meshmq-operator', '--http-port=8080']));
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(pod.serviceAccountName).toBe('mqtt-meshmq-operator');
  });

  it('all namespaces: one ClusterRole; watchNamespaces: a Role in each, WATCH_NAMESPACE, the ClusterRole only reads the ServiceMonitor CRD', async () => {
    const all = await template(OPERATOR_CHART);
    expect(byKind(all, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual(['mqtt/mqtt-meshmq-operator-leader-election']);
    const cluster = byKind(all, 'ClusterRole')[0] as Manifest & { rules: Array<{ resources: string[] }> };
    expect(cluster.rules.flatMap((r) => r.resources)).toEqual(expect.arrayContaining(['brokerclusters', 'statefulsets', 'pods', 'customresourcedefinitions']));
    const scoped = await template(OPERATOR_CHART, path.join(OPERATOR_CHART, 'ci/namespaced-values.yaml'));
    expect(byKind(scoped, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual(['iot/mqtt-meshmq-operator', 'mqtt/mqtt-meshmq-operator', 'mqtt/mqtt-meshmq-operator-leader-election']);
    expect(byKind(scoped, 'RoleBinding')).toHaveLength(3);
    const onlyCrds = byKind(scoped, 'ClusterRole')[0] as Manifest & { rules: Array<{ resources: string[] }> };
    expect(onlyCrds.rules.flatMap((r) => r.resources)).toEqual(['customresourcedefinitions']);
    const env = ((byKind(scoped, 'Deployment')[0] as any).spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>);
    expect(env.find((e) => e.name === 'WATCH_NAMESPACE')?.value).toBe('mqtt,iot');
    // Without the ServiceMonitor permission, the rules never mention monitoring.coreos.com.
    expect(JSON.stringify(byKind(scoped, 'Role'))).not.toContain('monitoring.coreos.com');
  });

  it('ships files/prometheus-rules.yaml as the PrometheusRule, with extra labels and disabled alerts left out', async () => {
    const source = parse(await readFile(path.join(OPERATOR_CHART, 'files/prometheus-rules.yaml'), 'utf8')) as { groups: Array<{ name: string; rules: Array<Record<string, any>> }> };
    const [rule] = byKind(await template(OPERATOR_CHART, path.join(OPERATOR_CHART, 'ci/monitoring-values.yaml')), 'PrometheusRule') as [Manifest & { spec: typeof source }];
    const expected = source.groups.map((g) => ({
      name: g.name,
      rules: g.rules.filter((r) => r['alert'] !== 'MeshmqMessagesDropped').map((r) => ({ ...r, labels: { ...r['labels'], team: 'messaging' } })),
    }));
    expect(rule.spec.groups).toEqual(expected);
    expect(rule.metadata.labels).toMatchObject({ release: 'prometheus' });
  });

  it('ships files/grafana-dashboard.json as a ConfigMap with the sidecar label', async () => {
    const [cm] = byKind(await template(OPERATOR_CHART, path.join(OPERATOR_CHART, 'ci/monitoring-values.yaml')), 'ConfigMap') as [Manifest & { data: Record<string, string> }];
    expect(cm.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'meshmq' } });
    expect(JSON.parse(cm.data['meshmq.json'] ?? '')).toEqual(JSON.parse(await readFile(path.join(OPERATOR_CHART, 'files/grafana-dashboard.json'), 'utf8')));
  });
});

describe('what the cluster chart renders', () => {
  it('the values (but the chart keys) are the BrokerCluster spec, and listed Secrets are created', async () => {
    const ms = await template(CLUSTER_CHART, path.join(CLUSTER_CHART, 'ci/redis-sentinel-values.yaml'));
    const bc = ms.find((m) => m.kind === 'BrokerCluster') as Manifest & { spec: Record<string, any> };
    expect(bc.metadata.name).toBe('mqtt-ha');
    expect(Object.keys(bc.spec)).not.toEqual(expect.arrayContaining(['secrets']));
    expect(bc.spec['persistence']).toEqual({ type: 'redis', redis: { sentinels: expect.any(Array), sentinelName: 'mymaster', passwordSecret: { name: 'mqtt-ha-redis', key: 'password' } } });
    expect(ms.find((m) => m.kind === 'Secret')).toMatchObject({ metadata: { name: 'mqtt-ha-redis', namespace: 'mqtt' }, type: 'Opaque', stringData: { password: 'change-me' } });
  });
});
