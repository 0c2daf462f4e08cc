// The meshmq-cluster chart's values.schema.json, derived from the BrokerCluster CRD: the chart's
// values are the spec (plus a few chart keys), so Helm refuses a misspelt or out-of-range value
// with the CRD's own bounds before anything reaches the cluster. Pure; gen-charts.ts writes it.
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

/** The chart's own keys, beside the spec's. */
const CHART_KEYS: Record<string, Schema> = {
  nameOverride: { type: 'string', maxLength: 63, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', description: 'Name of the BrokerCluster; empty: the release name.' },
  labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels of the BrokerCluster.' },
  annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Annotations of the BrokerCluster.' },
  secrets: {
    type: 'array', description: 'Secrets created with the cluster (users file, TLS, Redis URL) that the spec names.',
    items: {
      type: 'object', additionalProperties: false, required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 },
        type: { type: 'string', description: 'Secret type, e.g. kubernetes.io/tls; default Opaque.' },
        stringData: { type: 'object', additionalProperties: { type: 'string' } },
        data: { type: 'object', additionalProperties: { type: 'string' }, description: 'Base64 values.' },
      },
    },
  },
};

/**
 * A CRD structural schema node as JSON Schema (draft-07): objects with properties refuse unknown
 * keys (the API would refuse them under strict field validation), int-or-string becomes
 * integer|string, nullable allows null, CEL rules and list/map markers are left to the API server.
 */
export function toJsonSchema(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable' || key === 'format') continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toJsonSchema(v)]));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = toJsonSchema(value as Schema);
    else if (key === 'anyOf' || key === 'allOf' || key === 'oneOf') out[key] = (value as Schema[]).map(toJsonSchema);
    else out[key] = value;
  }
  if (node['x-kubernetes-int-or-string'] === true) out['type'] = ['integer', 'string'];
  if (out['type'] === 'object' && out['properties'] !== undefined && out['additionalProperties'] === undefined) {
    out['additionalProperties'] = node['x-kubernetes-preserve-unknown-fields'] === true;
  }
  if (node['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  return out;
}

/** The values schema for the CRD text (the served storage version's spec). */
export function buildClusterValuesSchema(crdYaml: string): Schema {
  const crd = parse(crdYaml) as { spec: { versions: Array<{ name: string; storage: boolean; schema: { openAPIV3Schema: Schema } }> } };
  const version = crd.spec.versions.find((v) => v.storage);
  if (!version) throw new Error('the CRD has no storage version');
  const spec = ((version.schema.openAPIV3Schema['properties'] as Record<string, Schema>)['spec']);
  if (!spec) throw new Error(`the CRD's ${version.name} schema has no spec`);
  const converted = toJsonSchema(spec);
  const specProperties = converted['properties'] as Record<string, Schema>;
  for (const key of Object.keys(CHART_KEYS)) {
    if (key in specProperties) throw new Error(`the chart key ${key} collides with spec.${key}`);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'meshmq-cluster values: the BrokerCluster spec (generated from crds/brokerclusters.meshmq.io.yaml) and the chart keys',
    type: 'object',
    additionalProperties: false,
    properties: { ...CHART_KEYS, ...specProperties },
  };
}

/** Keys of the values that are the chart's, not the spec's (the template omits them). */
export const CHART_ONLY_KEYS = Object.keys(CHART_KEYS);
