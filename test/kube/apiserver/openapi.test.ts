// OpenAPI v3 as a real API server serves it for custom resources (routes, the kind's schema with
// its GVK, ObjectMeta and friends resolvable), read by the real kubectl's explain; the built-in
// documents keep what kubectl's field-validation discovery and client-side apply rely on.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { hasCommand, itRequiring } from '../../support/requirements.js';
import { startKubectlSession, type KubectlSession } from '../kubectl-session.js';
import { isObject, type JsonObject, type JsonValue } from './json.js';

const kubectlReady = hasCommand('kubectl', ['version', '--client']);
const it = itRequiring(kubectlReady);
let s: KubectlSession;

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [{
      name: 'v1', served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
      schema: { openAPIV3Schema: {
        description: 'A widget of the example group.', type: 'object',
        properties: {
          spec: { description: 'What the widget should be.', type: 'object', properties: {
            size: { description: 'How many parts.', type: 'integer', minimum: 1, default: 1 },
            port: { description: 'A port number or name.', 'x-kubernetes-int-or-string': true },
            colour: { description: 'Its colour.', type: 'string', enum: ['red', 'blue'] },
          } },
          status: { description: 'What the widget is.', type: 'object', properties: { size: { description: 'Parts there are.', type: 'integer' } } },
        },
      } },
    }],
  },
};

async function getJson(path: string): Promise<JsonObject> {
  const r = await s.kubectl('get', '--raw', path);
  if (r.code !== 0) throw new Error(`GET ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonObject;
}

function refsIn(v: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) { if (k === '$ref' && typeof x === 'string') out.push(x); else refsIn(x, out); }
  return out;
}

beforeAll(async () => {
  s = await startKubectlSession();
  if (kubectlReady.ok) await s.installCrd(await s.file('widgets.json', JSON.stringify(WIDGET_CRD)), 'widgets.example.com');
});
afterAll(async () => { await s.close(); });

describe('OpenAPI v3', () => {
  it('answers 404 for v2, as a server whose clients read v3', async () => {
    const v2 = await s.kubectl('get', '--raw', '/openapi/v2');
    expect(v2.stderr.trim()).toBe('Error from server (NotFound): the server could not find the requested resource');
  });

  it('lists the CRD\'s group/version with a hash that changes with the schema', async () => {
    const index = await getJson('/openapi/v3');
    const entry = (index['paths'] as JsonObject)['apis/example.com/v1'] as { serverRelativeURL: string };
    expect(entry.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]{128}$/);
    const changed = structuredClone(WIDGET_CRD);
    changed.spec.versions[0]!.schema.openAPIV3Schema.description = 'A better widget.';
    expect((await s.kubectl('apply', '-f', await s.file('widgets2.json', JSON.stringify(changed)))).code).toBe(0);
    const after = ((await getJson('/openapi/v3'))['paths'] as JsonObject)['apis/example.com/v1'] as { serverRelativeURL: string };
    expect(after.serverRelativeURL).not.toBe(entry.serverRelativeURL);
    expect((await s.kubectl('apply', '-f', await s.file('widgets.json', JSON.stringify(WIDGET_CRD)))).code).toBe(0);
  });

  it('publishes the kind\'s schema, its list, its routes and every schema they refer to', async () => {
    const doc = await getJson('/openapi/v3/apis/example.com/v1');
    const schemas = (doc['components'] as JsonObject)['schemas'] as Record<string, JsonObject>;
    const widget = schemas['com.example.v1.Widget'];
    expect(widget?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
    const props = widget?.['properties'] as Record<string, JsonObject>;
    expect(Object.keys(props).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(props['metadata']?.['allOf']).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    // int-or-string is published unfolded, as the structural schema's Unfold does.
    expect(((props['spec']?.['properties'] as Record<string, JsonObject>)['port'])?.['anyOf']).toEqual([{ type: 'integer' }, { type: 'string' }]);
    expect(schemas['com.example.v1.WidgetList']?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', kind: 'WidgetList', version: 'v1' }]);
    const missing = refsIn(doc).map((r) => r.replace('#/components/schemas/', '')).filter((name) => !(name in schemas));
    expect(missing).toEqual([]);
    const paths = doc['paths'] as Record<string, JsonObject>;
    expect(Object.keys(paths).sort()).toEqual([
      '/apis/example.com/v1/namespaces/{namespace}/widgets', '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}',
      '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/scale', '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status',
      '/apis/example.com/v1/widgets',
    ]);
    const named = paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'] as Record<string, JsonObject>;
    expect(Object.keys(named).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
    // Custom resources take no strategic merge patch: kubectl apply must fall back to JSON merge patches.
    expect(Object.keys((named['patch']?.['requestBody'] as { content: JsonObject }).content).sort()).toEqual(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
    for (const [p, item] of Object.entries(paths)) {
      const patch = item['patch'] as { parameters: Array<{ name: string }> } | undefined;
      if (patch) expect([p, patch.parameters.some((x) => x.name === 'fieldValidation')]).toEqual([p, true]);
    }
  });

  it('keeps the built-in documents as they were: PATCH with fieldValidation, no schemas', async () => {
    const doc = await getJson('/openapi/v3/apis/apps/v1');
    const patch = (doc['paths'] as Record<string, JsonObject>)['/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}']?.['patch'] as JsonObject;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'StatefulSet' });
    expect((patch['parameters'] as Array<{ name: string }>).map((x) => x.name)).toContain('fieldValidation');
    expect((doc['components'] as JsonObject)['schemas']).toEqual({});
  });

  it('lets kubectl explain the kind, a field, its metadata and all fields recursively', async () => {
    const kind = await s.kubectl('explain', 'widgets');
    expect(kind.stdout).toBe([
      'GROUP:      example.com', 'KIND:       Widget', 'VERSION:    v1', '', 'DESCRIPTION:', '    A widget of the example group.', '    ', 'FIELDS:',
      '  apiVersion\t<string>',
      '    APIVersion defines the versioned schema of this representation of an object;',
      '    servers convert recognised schemas to the latest internal value.', '',
      '  kind\t<string>',
      '    Kind is a string value representing the REST resource this object',
      '    represents, in CamelCase; servers may infer it from the endpoint the client',
      '    submits requests to. Cannot be updated.', '',
      '  metadata\t<ObjectMeta>',
      '    Standard object\'s metadata: name, namespace, labels, annotations, owners and',
      '    the fields the API server maintains.', '',
      '  spec\t<Object>', '    What the widget should be.', '',
      '  status\t<Object>', '    What the widget is.', '', '', '',
    ].join('\n'));
    const colour = (await s.kubectl('explain', 'wd.spec.colour')).stdout;
    expect(colour).toContain('FIELD: colour <string>\nENUM:\n    red\n    blue\n');
    expect(colour).toContain('DESCRIPTION:\n    Its colour.\n');
    const labels = (await s.kubectl('explain', 'widget.metadata.labels')).stdout;
    expect(labels).toContain('FIELD: labels <map[string]string>');
    const recursive = (await s.kubectl('explain', 'widgets', '--recursive')).stdout;
    expect(recursive).toMatch(/^ {2}metadata\t<ObjectMeta>\n {4}annotations\t<map\[string\]string>$/m);
    expect(recursive).toMatch(/^ {4}ownerReferences\t<\[\]OwnerReference>\n {6}apiVersion\t<string> -required-$/m);
    expect(recursive).toMatch(/^ {4}port\t<Object>$/m);
  });

  it('still lets kubectl apply custom resources client-side (JSON merge patch) and server-side', async () => {
    const w = (size: number) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: ${size}}\n`;
    expect((await s.kubectl('apply', '-f', await s.file('w1.yaml', w(1)))).stdout.trim()).toBe('widget.example.com/w created');
    expect((await s.kubectl('apply', '-f', await s.file('w2.yaml', w(2)))).stdout.trim()).toBe('widget.example.com/w configured');
    expect((await s.kubectl('apply', '-f', await s.file('w2.yaml', w(2)))).stdout.trim()).toBe('widget.example.com/w unchanged');
    expect((await s.kubectl('apply', '--server-side', '--force-conflicts', '-f', await s.file('w3.yaml', w(3)))).stdout.trim()).toBe('widget.example.com/w serverside-applied');
    expect((await s.kubectl('get', 'wd', 'w', '-o', 'jsonpath={.spec.size}')).stdout).toBe('3');
  });
});
