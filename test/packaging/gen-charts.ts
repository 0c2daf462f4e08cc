// `npm run gen:charts`: writes the derived chart files (the CRD copy, the meshmq-cluster values
// schema, deploy/meshmq-operator.yaml) from their sources, with the Helm of test/support/kube-tools.ts.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHelm, unpackKubeTools } from '../support/kube-tools.js';
import { BUNDLE, bundleText, CHART_CRD, CLUSTER_SCHEMA, clusterValuesSchemaText, CRD_SOURCE } from './chart-artifacts.js';

const home = await mkdtemp(path.join(tmpdir(), 'gen-charts-'));
try {
  await copyFile(CRD_SOURCE, CHART_CRD);
  await writeFile(CLUSTER_SCHEMA, await clusterValuesSchemaText());
  const tools = await unpackKubeTools();
  await mkdir(path.dirname(BUNDLE), { recursive: true });
  await writeFile(BUNDLE, await bundleText(createHelm(tools.helm, path.join(home, 'no-kubeconfig'), home)));
  process.stdout.write(`wrote ${[CHART_CRD, CLUSTER_SCHEMA, BUNDLE].join(', ')}\n`);
} finally {
  await rm(home, { recursive: true, force: true });
}
