// crds/examples stay valid: each BrokerCluster parses with the zod schema the operator uses, carries
// no namespace, and is accepted by the API emulator (with the CRD installed) in any namespace.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it as plainIt } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { hasCommand, itRequiring } from '../../test/support/requirements.js';
import { startKubectlSession, type KubectlSession } from '../../test/kube/kubectl-session.js';
import { BROKER_CLUSTER, parseBrokerCluster } from '../api/broker-cluster.js';
import { CRD_NAME } from './broker-cluster-crd.js';
import { CRD_FILE } from './render-crd.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'crds/examples');
const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
const kubectlReady = hasCommand('kubectl', ['version', '--client']);
const it = itRequiring(kubectlReady);

type Doc = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
async function documents(file: string): Promise<Doc[]> {
  return parseAllDocuments(await readFile(path.join(dir, file), 'utf8')).map((d) => d.toJS() as Doc);
}

let s: KubectlSession;
beforeAll(async () => {
  s = await startKubectlSession();
  if (kubectlReady.ok) await s.installCrd(path.join(root, CRD_FILE), CRD_NAME);
});
afterAll(async () => { await s.close(); });

describe('crds/examples', () => {
  plainIt('include minimal.yaml and production.yaml', () => {
    expect(files).toEqual(expect.arrayContaining(['minimal.yaml', 'production.yaml']));
  });

  plainIt.each(files)('%s: BrokerClusters parse with the operator\'s schema, and nothing names a namespace', async (file) => {
    for (const doc of await documents(file)) {
      expect(doc.metadata?.namespace).toBeUndefined();
      if (doc.kind !== BROKER_CLUSTER.kind) continue;
      expect(doc.apiVersion).toBe(BROKER_CLUSTER.apiVersion);
      expect(() => parseBrokerCluster({ ...doc, metadata: { ...doc.metadata, namespace: 'ns', uid: 'u', resourceVersion: '1' } })).not.toThrow();
    }
  });

  plainIt('minimal.yaml is a 3-node cluster with everything else defaulted', async () => {
    const [bc] = await documents('minimal.yaml');
    const { spec } = parseBrokerCluster({ ...bc, metadata: { ...bc?.metadata, namespace: 'ns', uid: 'u', resourceVersion: '1' } });
    expect(spec.replicas).toBe(3);
    expect((bc as { spec?: unknown }).spec).toEqual({});
  });

  it.each(files)('%s: the API server accepts it, in whatever namespace it is applied to', async (file) => {
    const namespace = `ex-${path.basename(file, '.yaml')}`;
    // `kubectl create namespace` sends protobuf, which the emulator does not read: a manifest instead.
    expect((await s.kubectl('apply', '-f', await s.file(`${namespace}.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}\n`))).code).toBe(0);
    const result = await s.kubectl('-n', namespace, 'apply', '-f', path.join(dir, file));
    expect(result.stderr).toBe('');
    const docs = await documents(file);
    expect(result.stdout.trim().split('\n').sort()).toEqual(docs.map((d) => `${d.kind === 'Secret' ? 'secret' : 'brokercluster.meshmq.io'}/${d.metadata?.name} created`).sort());
    for (const d of docs.filter((x) => x.kind === BROKER_CLUSTER.kind)) {
      const stored = await s.kubectl('-n', namespace, 'get', 'bc', d.metadata?.name ?? '', '-o', 'json');
      // What the API server stored (defaults filled in) is what the operator will parse.
      expect(() => parseBrokerCluster(JSON.parse(stored.stdout))).not.toThrow();
    }
  });
});
