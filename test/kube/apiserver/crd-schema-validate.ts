// Validates a custom resource against its CRD's openAPIV3Schema with the apiserver's field
// paths and messages (`spec.replicas: Invalid value: -1: spec.replicas in body should be ...`).
import type { FieldError } from './api-error.js';
import { elementKey } from './field-set.js';
import { isObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';

type Errors = FieldError[];

function typeName(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(expected: string, v: JsonValue): boolean {
  switch (expected) {
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/,
  hostname: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
};

/** All schema violations of `value` at `path` (empty path: the object root). */
export function validateAgainstSchema(schema: JsonObject, value: JsonValue, path = ''): Errors {
  const errors: Errors = [];
  visit(schema, value, path, errors);
  if (path === '' && isObject(value)) checkRootMetadata(schema, value, errors);
  return errors;
}

/** The only metadata a CRD schema may restrict, name and generateName, are validated with it. */
function checkRootMetadata(schema: JsonObject, value: JsonObject, errors: Errors): void {
  const props = isObject(schema['properties']) ? schema['properties'] : {};
  const metaSchema = props['metadata'];
  const meta = value['metadata'];
  if (!isObject(metaSchema) || !isObject(metaSchema['properties']) || !isObject(meta)) return;
  for (const key of ['name', 'generateName']) {
    const s = metaSchema['properties'][key];
    const v = meta[key];
    if (isObject(s) && typeof v === 'string') visit(s, v, `metadata.${key}`, errors);
  }
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function visit(s: JsonObject, v: JsonValue, path: string, errors: Errors): void {
  const field = path || '<root>';
  const type = typeof s['type'] === 'string' ? s['type'] : undefined;
  if (v === null) {
    if (s['nullable'] === true || s['x-kubernetes-preserve-unknown-fields'] === true && !type) return;
    if (type) errors.push({ type: 'TypeInvalid', field, value: 'null', detail: `${field} in body must be of type ${type}: "null"` });
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
      errors.push({ type: 'TypeInvalid', field, value: typeName(v), detail: `${field} in body must be of type integer,string: "${typeName(v)}"` });
    }
  } else if (type && !typeMatches(type, v)) {
    errors.push({ type: 'TypeInvalid', field, value: typeName(v), detail: `${field} in body must be of type ${type}: "${typeName(v)}"` });
    return;
  }
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => jsonEqual(e, v))) {
    errors.push({ type: 'NotSupported', field, value: v, detail: `supported values: ${s['enum'].map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof v === 'number') checkNumber(s, v, field, errors);
  if (typeof v === 'string') checkString(s, v, field, errors);
  if (Array.isArray(v)) checkArray(s, v, path, field, errors);
  if (isObject(v)) checkObject(s, v, path, field, errors);
}

function checkNumber(s: JsonObject, v: number, field: string, errors: Errors): void {
  const min = s['minimum'];
  const max = s['maximum'];
  if (typeof min === 'number' && (s['exclusiveMinimum'] === true ? v <= min : v < min)) {
    errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body should be greater than ${s['exclusiveMinimum'] === true ? '' : 'or equal to '}${min}` });
  }
  if (typeof max === 'number' && (s['exclusiveMaximum'] === true ? v >= max : v > max)) {
    errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body should be less than ${s['exclusiveMaximum'] === true ? '' : 'or equal to '}${max}` });
  }
  const mult = s['multipleOf'];
  if (typeof mult === 'number' && mult > 0 && Math.abs(v / mult - Math.round(v / mult)) > 1e-9) {
    errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body should be a multiple of ${mult}` });
  }
}

function checkString(s: JsonObject, v: string, field: string, errors: Errors): void {
  const minLength = s['minLength'];
  const maxLength = s['maxLength'];
  const length = [...v].length;
  if (typeof minLength === 'number' && length < minLength) errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body should be at least ${minLength} chars long` });
  if (typeof maxLength === 'number' && length > maxLength) errors.push({ type: 'TooLong', field, value: v, detail: `may not be more than ${maxLength} bytes` });
  if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(v)) {
    errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body should match '${s['pattern']}'` });
  }
  const format = typeof s['format'] === 'string' ? FORMATS[s['format']] : undefined;
  if (format && !format.test(v)) errors.push({ type: 'Invalid', field, value: v, detail: `${field} in body must be of type ${String(s['format'])}: ${JSON.stringify(v)}` });
}

function checkArray(s: JsonObject, v: JsonValue[], path: string, field: string, errors: Errors): void {
  const minItems = s['minItems'];
  const maxItems = s['maxItems'];
  if (typeof minItems === 'number' && v.length < minItems) errors.push({ type: 'Invalid', field, value: v.length, detail: `${field} in body should have at least ${minItems} items` });
  if (typeof maxItems === 'number' && v.length > maxItems) errors.push({ type: 'TooMany', field, value: v.length, detail: `must have at most ${maxItems} items` });
  const items = s['items'];
  if (isObject(items)) v.forEach((el, i) => visit(items, el, `${path}[${i}]`, errors));
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set' || s['uniqueItems'] === true) {
    v.forEach((el, i) => { if (v.findIndex((x) => jsonEqual(x, el)) < i) errors.push({ type: 'Duplicate', field: `${path}[${i}]`, value: el }); });
  }
  if (listType === 'map' && Array.isArray(s['x-kubernetes-list-map-keys'])) {
    const keys = s['x-kubernetes-list-map-keys'].map(String);
    const seen = new Set<string>();
    v.forEach((el, i) => {
      if (!isObject(el)) return;
      const k = elementKey(el, keys);
      if (seen.has(k)) errors.push({ type: 'Duplicate', field: `${path}[${i}]`, value: el });
      seen.add(k);
    });
  }
  void field;
}

function checkObject(s: JsonObject, v: JsonObject, path: string, field: string, errors: Errors): void {
  const props = isObject(s['properties']) ? s['properties'] : {};
  for (const req of Array.isArray(s['required']) ? s['required'] : []) {
    if (typeof req === 'string' && !(req in v)) errors.push({ type: 'Required', field: child(path, req) });
  }
  const count = Object.keys(v).length;
  if (typeof s['minProperties'] === 'number' && count < s['minProperties']) errors.push({ type: 'Invalid', field, value: count, detail: `${field} in body should have at least ${s['minProperties']} properties` });
  if (typeof s['maxProperties'] === 'number' && count > s['maxProperties']) errors.push({ type: 'TooMany', field, value: count, detail: `must have at most ${s['maxProperties']} items` });
  for (const [k, x] of Object.entries(v)) {
    // The root's apiVersion/kind/metadata are checked by the apiserver itself, not the schema.
    if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const ps = props[k];
    if (isObject(ps)) visit(ps, x, child(path, k), errors);
    else if (isObject(s['additionalProperties'])) visit(s['additionalProperties'], x, child(path, k), errors);
  }
}
