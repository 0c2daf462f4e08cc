// Pruning of fields a structural schema does not specify, and structural defaulting,
// in the apiserver's order: drop non-nullable nulls, prune, then apply `default`s.
import { clone, isObject, type JsonObject, type JsonValue } from './json.js';

/** Prunes and defaults a custom resource in place (root apiVersion/kind/metadata untouched). */
export function normalizeCustomResource(schema: JsonObject, obj: JsonObject): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    const props = isObject(schema['properties']) ? schema['properties'] : {};
    const ps = props[k];
    if (isObject(ps)) {
      const next = normalizeValue(ps, v);
      if (next === undefined) delete obj[k]; else obj[k] = next;
    } else if (schema['x-kubernetes-preserve-unknown-fields'] !== true) delete obj[k];
  }
  applyDefaults(schema, obj, true);
}

/** One value pruned under its schema (undefined: nothing of it is kept), without defaulting. */
export function pruneValue(s: JsonObject, v: JsonValue): JsonValue | undefined {
  return normalizeValue(s, clone(v));
}

/** One value with the defaults of its schema's fields applied (the value itself is not replaced). */
export function defaultValue(s: JsonObject, v: JsonValue): JsonValue {
  const out = clone(v);
  applyDefaults(s, out);
  return out;
}

function normalizeValue(s: JsonObject, v: JsonValue): JsonValue | undefined {
  // Non-nullable nulls are dropped so that defaults can fill them [CRD defaulting and nullable].
  if (v === null) return s['nullable'] === true || s['x-kubernetes-preserve-unknown-fields'] === true ? null : undefined;
  if (Array.isArray(v)) {
    const items = s['items'];
    return isObject(items) ? v.map((el) => normalizeValue(items, el) ?? null) : v;
  }
  if (!isObject(v)) return v;
  const props = isObject(s['properties']) ? s['properties'] : undefined;
  const extra = s['additionalProperties'];
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const ps = props?.[k];
    if (isObject(ps)) {
      const n = normalizeValue(ps, x);
      if (n !== undefined) out[k] = n;
    } else if (isObject(extra)) {
      const n = normalizeValue(extra, x);
      if (n !== undefined) out[k] = n;
    } else if (extra === true || preserve) {
      out[k] = x;
    }
    // else: pruned, the field is not in the schema.
  }
  return out;
}

function applyDefaults(s: JsonObject, v: JsonValue | undefined, isRoot = false): void {
  if (Array.isArray(v)) {
    const items = s['items'];
    if (isObject(items)) v.forEach((el) => applyDefaults(items, el));
    return;
  }
  if (!isObject(v)) return;
  const props = isObject(s['properties']) ? s['properties'] : {};
  for (const [k, ps] of Object.entries(props)) {
    if (!isObject(ps)) continue;
    if (isRoot && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    if (v[k] === undefined && ps['default'] !== undefined) v[k] = clone(ps['default']);
    applyDefaults(ps, v[k]);
  }
  const extra = s['additionalProperties'];
  if (isObject(extra)) for (const x of Object.values(v)) applyDefaults(extra, x);
}

/** Paths (`spec.bogus`) of fields the schema would prune: what fieldValidation reports. */
export function unknownFields(schema: JsonObject, obj: JsonObject): string[] {
  const out: string[] = [];
  const visit = (s: JsonObject, v: JsonValue | undefined, path: string): void => {
    if (Array.isArray(v)) {
      const items = s['items'];
      if (isObject(items)) v.forEach((el, i) => visit(items, el, `${path}[${i}]`));
      return;
    }
    if (!isObject(v) || s['x-kubernetes-preserve-unknown-fields'] === true) return;
    const props = isObject(s['properties']) ? s['properties'] : {};
    const extra = s['additionalProperties'];
    for (const [k, x] of Object.entries(v)) {
      if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const child = path ? `${path}.${k}` : k;
      const ps = props[k];
      if (isObject(ps)) visit(ps, x, child);
      else if (isObject(extra)) visit(extra, x, child);
      else if (extra !== true) out.push(child);
    }
  };
  visit(schema, obj, '');
  return out;
}
