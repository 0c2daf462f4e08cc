// CustomResourceDefinitions through @kubernetes/client-node: Established conditions, schema
// validation with the apiserver's messages, pruning, defaults, status/scale subresources,
// printer columns as a Table, non-structural schemas refused, and cleanup on CRD deletion.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

type CrdJson = { metadata: { name: string }; spec: { group: string; names: Record<string, unknown>; versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } } & Record<string, unknown>> } & Record<string, unknown> } & Record<string, unknown>;
import { waitFor } from '../../support/wait.js';
import { startApiServer, type ApiServer } from './api-server.js';

let server: ApiServer;
let kc: KubeConfig;
let ext: ApiextensionsV1Api;
let custom: CustomObjectsApi;

const GROUP = 'meshmq.io';
const VERSION = 'v1alpha1';

// Plain JSON: the typed client would rename schema keys (default, enum, x-kubernetes-*) on the way out.
function brokerClusterCrd(): CrdJson {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `brokerclusters.${GROUP}` },
    spec: {
      group: GROUP, scope: 'Namespaced',
      names: { plural: 'brokerclusters', singular: 'brokercluster', kind: 'BrokerCluster', listKind: 'BrokerClusterList', shortNames: ['bc'] },
      versions: [{
        name: VERSION, served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        additionalPrinterColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object', required: ['image'],
                properties: {
                  replicas: { type: 'integer', minimum: 1, maximum: 9, default: 3 },
                  image: { type: 'string', minLength: 1, pattern: '^[a-z0-9./:-]+$' },
                  cluster: { type: 'object', default: {}, properties: { autoheal: { type: 'boolean', default: true }, autoclean: { type: 'string', default: '5m' } } },
                  persistence: { type: 'string', enum: ['memory', 'redis'], default: 'memory' },
                  port: { 'x-kubernetes-int-or-string': true },
                  config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  tags: { type: 'array', maxItems: 2, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' }, readyReplicas: { type: 'integer' }, phase: { type: 'string' }, selector: { type: 'string' } } },
            },
          },
        },
      }],
    },
  };
}

beforeAll(async () => {
  server = await startApiServer();
  kc = server.kubeConfig();
  ext = kc.makeApiClient(ApiextensionsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  const created = await request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', brokerClusterCrd());
  expect(created.status).toBe(201);
  await waitFor(async () => {
    const crd = await ext.readCustomResourceDefinition({ name: `brokerclusters.${GROUP}` });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { what: 'the CRD to be Established' });
});
afterAll(async () => { await server.close(); });

const ref = { group: GROUP, version: VERSION, namespace: 'default', plural: 'brokerclusters' };
type Bc = { metadata: { name: string; generation?: number; resourceVersion?: string }; spec: Record<string, unknown>; status?: Record<string, unknown> };

async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try { await p; } catch (err) { return JSON.parse((err as { body: string }).body) as Record<string, unknown>; }
  throw new Error('expected the call to fail');
}

describe('custom resources', () => {
  it('applies structural defaults, prunes unknown fields, keeps preserved ones, and drops status on create', async () => {
    const bc = await custom.createNamespacedCustomObject({ ...ref, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'BrokerCluster', metadata: { name: 'one' },
      spec: { image: 'meshmq:1', unknown: 1, config: { anything: { goes: true } }, port: 'mqtt' }, status: { phase: 'Fake' },
    } }) as Bc;
    expect(bc.spec).toEqual({ image: 'meshmq:1', replicas: 3, cluster: { autoheal: true, autoclean: '5m' }, persistence: 'memory', config: { anything: { goes: true } }, port: 'mqtt' });
    expect(bc.status).toBeUndefined();
    expect(bc.metadata.generation).toBe(1);
  });

  it('rejects invalid objects with 422 and the apiserver field messages', async () => {
    const status = await failure(custom.createNamespacedCustomObject({ ...ref, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'BrokerCluster', metadata: { name: 'bad' },
      spec: { replicas: 0, persistence: 'disk', tags: ['a', 'a', 'b'], port: 1.5 },
    } }));
    expect(status).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid' });
    const message = String(status['message']);
    expect(message.startsWith('BrokerCluster.meshmq.io "bad" is invalid: [')).toBe(true);
    expect(message).toContain('spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
    expect(message).toContain('spec.persistence: Unsupported value: "disk": supported values: "memory", "redis"');
    expect(message).toContain('spec.image: Required value');
    expect(message).toContain('spec.tags: Too many: 3: must have at most 2 items');
    expect(message).toContain('spec.tags[1]: Duplicate value: "a"');
    const causes = (status['details'] as { causes: Array<{ field: string; reason: string }> }).causes;
    expect(causes).toContainEqual(expect.objectContaining({ field: 'spec.image', reason: 'FieldValueRequired' }));
  });

  it('separates the status subresource and bumps generation only for spec', async () => {
    const bc = await custom.getNamespacedCustomObject({ ...ref, name: 'one' }) as Bc;
    const withStatus = await custom.replaceNamespacedCustomObjectStatus({ ...ref, name: 'one', body: { ...bc, spec: { image: 'changed:1' }, status: { phase: 'Running', replicas: 3, readyReplicas: 2, selector: 'app=one' } } }) as Bc;
    expect(withStatus.status).toEqual({ phase: 'Running', replicas: 3, readyReplicas: 2, selector: 'app=one' });
    expect(withStatus.spec['image']).toBe('meshmq:1');
    expect(withStatus.metadata.generation).toBe(1);
    const patched = await custom.patchNamespacedCustomObject({ ...ref, name: 'one', body: { spec: { replicas: 5 }, status: { phase: 'Ignored' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)) as Bc;
    expect(patched.metadata.generation).toBe(2);
    expect(patched.status?.['phase']).toBe('Running');
    const smp = await failure(custom.patchNamespacedCustomObject({ ...ref, name: 'one', body: { spec: { replicas: 4 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
    expect(smp['code']).toBe(415);
  });

  it('serves the scale subresource from the declared paths', async () => {
    const scale = await custom.getNamespacedCustomObjectScale({ ...ref, name: 'one' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 5 }, status: { replicas: 3, selector: 'app=one' } });
    await custom.patchNamespacedCustomObjectScale({ ...ref, name: 'one', body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect((await custom.getNamespacedCustomObject({ ...ref, name: 'one' }) as Bc).spec['replicas']).toBe(2);
  });

  it('answers kubectl-style Table requests with the printer columns', async () => {
    const res = await fetchTable(`/apis/${GROUP}/${VERSION}/namespaces/default/brokerclusters`);
    expect(res.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Replicas', 'Ready', 'Phase', 'Age']);
    expect(res.rows[0]?.cells.slice(0, 4)).toEqual(['one', 2, 2, 'Running']);
  });

  it('refuses non-structural schemas and mismatched names', async () => {
    const crd = brokerClusterCrd();
    crd.metadata = { name: 'widgets.example.com' };
    crd.spec.group = 'example.com';
    crd.spec.names = { plural: 'widgets', kind: 'Widget' };
    const version = crd.spec.versions[0];
    if (!version) throw new Error('fixture');
    version.schema.openAPIV3Schema = { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } };
    const status = (await request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).body;
    expect(status['code']).toBe(422);
    expect(String(status['message'])).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields');
  });

  it('stops serving and deletes custom resources when the CRD is deleted', async () => {
    await ext.deleteCustomResourceDefinition({ name: `brokerclusters.${GROUP}` });
    await waitFor(async () => (await ext.listCustomResourceDefinition()).items.length === 0, { what: 'the CRD to go' });
    expect((await request('GET', `/apis/${GROUP}/${VERSION}/namespaces/default/brokerclusters`)).status).toBe(404);
  });
});

interface Table { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> }

async function fetchTable(path: string): Promise<Table> {
  return (await request('GET', path, undefined, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json')).body as unknown as Table;
}

/** A raw HTTPS request trusting the emulator's certificate. */
async function request(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request: httpsRequest } = await import('node:https');
  const caData = kc.getCurrentCluster()?.caData;
  const ca = caData ? Buffer.from(caData, 'base64') : undefined;
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(`${server.url}${path}`, { method, ca, headers: { Accept: accept, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
