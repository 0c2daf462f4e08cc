// The generated CRD: committed as generated, structural with valid defaults (checked with the
// emulator's apiextensions rules), and defaulting exactly as the zod schema the operator parses with.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { BROKER_CLUSTER, MAX_NAME_LENGTH } from '../api/broker-cluster.js';
import { brokerClusterSpecSchema } from '../api/broker-cluster-spec.js';
import { validateCrd } from '../../test/kube/apiserver/crd-controller.js';
import { normalizeCustomResource } from '../../test/kube/apiserver/crd-schema-normalize.js';
import { validateAgainstSchema } from '../../test/kube/apiserver/crd-schema-validate.js';
import type { JsonObject } from '../../test/kube/apiserver/json.js';
import { buildBrokerClusterCrd, CRD_NAME } from './broker-cluster-crd.js';
import { CRD_FILE, renderCrdYaml } from './render-crd.js';
import type { SchemaNode } from './structural-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const crd = buildBrokerClusterCrd() as JsonObject;
type Version = { name: string; schema: { openAPIV3Schema: JsonObject }; subresources: unknown; additionalPrinterColumns: Array<Record<string, unknown>> };
const version = (crd['spec'] as { versions: Version[] }).versions[0] as Version;
const schema = version.schema.openAPIV3Schema;

/** What the API server stores for a BrokerCluster with this spec: pruned and defaulted by the CRD. */
function defaultedByCrd(spec: JsonObject): JsonObject {
  const obj: JsonObject = { apiVersion: BROKER_CLUSTER.apiVersion, kind: BROKER_CLUSTER.kind, metadata: { name: 'mq' }, spec };
  normalizeCustomResource(schema, obj);
  return obj['spec'] as JsonObject;
}

function walk(node: SchemaNode, at: string, visit: (node: SchemaNode, at: string) => void): void {
  visit(node, at);
  const properties = node['properties'] as Record<string, SchemaNode> | undefined;
  for (const [k, child] of Object.entries(properties ?? {})) walk(child, at ? `${at}.${k}` : k, visit);
  if (node['items']) walk(node['items'] as SchemaNode, `${at}[*]`, visit);
  if (typeof node['additionalProperties'] === 'object') walk(node['additionalProperties'] as SchemaNode, `${at}[*]`, visit);
}

describe('the BrokerCluster CRD', () => {
  it(`is committed as ${CRD_FILE} exactly as the zod schemas generate it`, async () => {
    const committed = await readFile(path.join(root, CRD_FILE), 'utf8').catch(() => '');
    if (committed !== renderCrdYaml(crd)) {
      throw new Error(`${CRD_FILE} differs from what operator/api's zod schemas generate: run \`npm run gen:crd\` and commit the result`);
    }
    expect(parseYaml(committed)).toEqual(crd);
  });

  it('passes the API server\'s checks: structural schema, defaults that validate', () => {
    expect(validateCrd({ ...crd, metadata: { name: CRD_NAME } })).toEqual([]);
  });

  it('has a type (or int-or-string / preserve-unknown-fields) and a description on every field, and no zod leftovers', () => {
    const problems: string[] = [];
    walk(schema, '', (node, at) => {
      const typed = typeof node['type'] === 'string' || node['x-kubernetes-int-or-string'] === true;
      if (!typed) problems.push(`${at}: no type`);
      if (!at.startsWith('metadata') && !at.endsWith('[*]') && typeof node['description'] !== 'string') problems.push(`${at}: no description`);
      for (const key of ['$schema', 'anyOf', 'oneOf', 'allOf', 'const']) if (key in node) problems.push(`${at}: ${key}`);
      if (node['properties'] && 'additionalProperties' in node) problems.push(`${at}: properties beside additionalProperties`);
      if (node['maximum'] === Number.MAX_SAFE_INTEGER || node['minimum'] === Number.MIN_SAFE_INTEGER) problems.push(`${at}: zod's safe-integer bound`);
    });
    expect(problems).toEqual([]);
  });

  it.each([
    ['an empty spec', {}],
    ['a partial spec', { replicas: 5, cluster: { autoclean: '1m' }, listeners: { mqtt: { port: 1884 }, tls: { secretName: 'tls' } }, tolerations: [{ key: 'dedicated' }] }],
    ['a redis spec', { persistence: { type: 'redis', redis: { urlSecret: { name: 'redis' } } }, auth: { usersSecret: { name: 'users' }, acl: [{ action: 'all', permission: 'allow', topic: '#' }] } }],
  ])('defaults %s exactly as the zod schema does', (_what, spec) => {
    const stored = defaultedByCrd(structuredClone(spec));
    expect(stored).toEqual(brokerClusterSpecSchema.parse(structuredClone(spec)));
    expect(validateAgainstSchema(schema, { metadata: { name: 'mq' }, spec: stored })).toEqual([]);
  });

  it('limits the name so that pods and the headless Service stay DNS labels', () => {
    const name = (n: string) => validateAgainstSchema(schema, { metadata: { name: n }, spec: {} }).map((e) => e.field);
    expect(name('a'.repeat(MAX_NAME_LENGTH))).toEqual([]);
    expect(name('a'.repeat(MAX_NAME_LENGTH + 1))).toEqual(['metadata.name']);
    expect(name('9lives')).toEqual(['metadata.name']);
    expect(name('has.dot')).toEqual(['metadata.name']);
  });

  it('is namespaced with the names, subresources and printer columns kubectl uses', () => {
    const spec = crd['spec'] as JsonObject;
    expect(spec['scope']).toBe('Namespaced');
    expect(spec['names']).toMatchObject({ kind: 'BrokerCluster', plural: 'brokerclusters', shortNames: ['bc'], categories: ['meshmq'] });
    expect(version.subresources).toEqual({ status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } });
    const columns = version.additionalPrinterColumns;
    expect(columns.filter((c) => c['priority'] === undefined).map((c) => [c['name'], c['jsonPath'], c['type']])).toEqual([
      ['Replicas', '.spec.replicas', 'integer'], ['Ready', '.status.readyReplicas', 'integer'], ['Phase', '.status.phase', 'string'], ['Age', '.metadata.creationTimestamp', 'date'],
    ]);
  });

  it('carries the cross-field rules as CEL for a real API server', () => {
    const persistence = (schema['properties'] as Record<string, SchemaNode>)['spec'] as SchemaNode;
    const p = (persistence['properties'] as Record<string, SchemaNode>)['persistence'] as SchemaNode;
    expect((p['x-kubernetes-validations'] as Array<{ rule: string }>).map((r) => r.rule)).toEqual(["self.type != 'redis' || has(self.redis)"]);
    const redis = (p['properties'] as Record<string, SchemaNode>)['redis'] as SchemaNode;
    expect(redis['x-kubernetes-validations']).toHaveLength(2);
  });
});
