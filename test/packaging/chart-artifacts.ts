// The files derived from the sources of truth, and how: the chart's copy of the CRD, the
// meshmq-cluster values schema (from the CRD), and the `kubectl apply -f` bundle (the operator chart
// rendered by `helm template`). `npm run gen:charts` writes them; charts.test.ts fails on drift.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryRoot } from '../kube/kubelet/image-map.js';
import type { Helm } from '../support/kube-tools.js';
import { buildClusterValuesSchema } from './chart-values-schema.js';

export const ROOT = repositoryRoot();
export const CRD_SOURCE = path.join(ROOT, 'crds/brokerclusters.meshmq.io.yaml');
export const OPERATOR_CHART = path.join(ROOT, 'charts/meshmq-operator');
export const CLUSTER_CHART = path.join(ROOT, 'charts/meshmq-cluster');
export const CHART_CRD = path.join(OPERATOR_CHART, 'crds/brokerclusters.meshmq.io.yaml');
export const CLUSTER_SCHEMA = path.join(CLUSTER_CHART, 'values.schema.json');
export const BUNDLE = path.join(ROOT, 'deploy/meshmq-operator.yaml');
/** Where the bundle installs the operator (the namespace it creates). */
export const BUNDLE_NAMESPACE = 'meshmq-system';
export const BUNDLE_RELEASE = 'meshmq-operator';

export async function clusterValuesSchemaText(): Promise<string> {
  return `${JSON.stringify(buildClusterValuesSchema(await readFile(CRD_SOURCE, 'utf8')), null, 2)}\n`;
}

/**
 * The bundle: a Namespace, then the chart as `helm template` renders it with its CRD, in Helm's
 * install order (kubectl apply -f takes the file in order, so the namespace and CRD come first).
 */
export async function bundleText(helm: Helm): Promise<string> {
  const rendered = await helm('template', BUNDLE_RELEASE, OPERATOR_CHART, '--namespace', BUNDLE_NAMESPACE, '--include-crds');
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const version = /^version:\s*(\S+)/m.exec(await readFile(path.join(OPERATOR_CHART, 'Chart.yaml'), 'utf8'))?.[1] ?? '';
  return [
    `# meshmq-operator ${version} for \`kubectl apply -f\`: generated from charts/meshmq-operator with its default`,
    '# values by `npm run gen:charts` (helm template); do not edit. Installs into the namespace meshmq-system.',
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${BUNDLE_NAMESPACE}`,
    '  labels:',
    '    app.kubernetes.io/part-of: meshmq',
    rendered.stdout.trimEnd(),
    '',
  ].join('\n');
}
