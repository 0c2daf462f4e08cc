// Checks that a CRD version's openAPIV3Schema is structural, as the apiextensions-apiserver
// requires for apiextensions.k8s.io/v1 (types everywhere, no properties + additionalProperties, ...).
import type { FieldError } from './api-error.js';
import { isObject, type JsonObject, type JsonValue } from './json.js';

const FORBIDDEN_KEYS = ['$ref', 'definitions', 'dependencies', 'patternProperties', 'id', '$schema'] as const;
const ALLOWED_TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

/** Field errors for a non-structural schema; `path` is e.g. spec.versions[0].schema.openAPIV3Schema. */
export function checkStructural(schema: JsonValue | undefined, path: string): FieldError[] {
  if (!isObject(schema)) return [{ type: 'Required', field: path, detail: 'schemas are required' }];
  const errors: FieldError[] = [];
  if (schema['type'] !== 'object') errors.push({ type: 'Invalid', field: `${path}.type`, value: schema['type'] ?? '', detail: 'must be object at the root' });
  visit(schema, path, errors, true);
  return errors;
}

function visit(s: JsonObject, path: string, errors: FieldError[], root: boolean): void {
  for (const key of FORBIDDEN_KEYS) if (s[key] !== undefined) errors.push({ type: 'Forbidden', field: `${path}.${key}`, detail: `${key} is forbidden in structural schemas` });
  const type = s['type'];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === undefined || type === '') {
    if (!intOrString && !preserve) errors.push({ type: 'Required', field: `${path}.type`, detail: 'must not be empty for specified object fields' });
  } else if (typeof type !== 'string' || !ALLOWED_TYPES.includes(type)) {
    errors.push({ type: 'NotSupported', field: `${path}.type`, value: type, detail: `supported values: ${ALLOWED_TYPES.map((t) => `"${t}"`).join(', ')}` });
  }
  if (isObject(s['properties']) && s['additionalProperties'] !== undefined && s['additionalProperties'] !== false) {
    errors.push({ type: 'Forbidden', field: `${path}.additionalProperties`, detail: 'additionalProperties and properties are mutual exclusive' });
  }
  if (type === 'array' && !isObject(s['items'])) errors.push({ type: 'Required', field: `${path}.items`, detail: 'must be specified' });
  if (isObject(s['properties'])) {
    for (const [k, ps] of Object.entries(s['properties'])) {
      if (!isObject(ps)) continue;
      if (root && k === 'metadata') checkRootMetadata(ps, `${path}.properties[metadata]`, errors);
      else visit(ps, `${path}.properties[${k}]`, errors, false);
    }
  }
  if (isObject(s['items'])) visit(s['items'], `${path}.items`, errors, false);
  if (isObject(s['additionalProperties'])) visit(s['additionalProperties'], `${path}.additionalProperties`, errors, false);
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[combinator];
    // Inside value validations, types and defaults must not appear [structural schema rule 3].
    if (Array.isArray(list)) list.forEach((x, i) => { if (isObject(x) && x['type'] !== undefined) errors.push({ type: 'Forbidden', field: `${path}.${combinator}[${i}].type`, detail: 'must be empty to be structural' }); });
  }
}

/** At the root, metadata may only restrict name and generateName. */
function checkRootMetadata(s: JsonObject, path: string, errors: FieldError[]): void {
  if (s['type'] !== undefined && s['type'] !== 'object') errors.push({ type: 'Invalid', field: `${path}.type`, value: s['type'] ?? '', detail: 'must be object' });
  const props = isObject(s['properties']) ? Object.keys(s['properties']) : [];
  for (const p of props) if (p !== 'name' && p !== 'generateName') errors.push({ type: 'Forbidden', field: `${path}.properties[${p}]`, detail: 'must not be specified' });
}
