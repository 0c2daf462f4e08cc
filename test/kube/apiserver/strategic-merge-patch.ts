// Strategic merge patch for built-in kinds: lists with a patchMergeKey merge element by
// element, `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
// `$setElementOrder/<f>`, as k8s.io/apimachinery/pkg/util/strategicpatch applies them.
import { badRequest } from './api-error.js';
import { clone, isObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';
import type { ListStrategyOf } from './patch-meta.js';

export function applyStrategicMergePatch(original: JsonObject, patch: JsonValue, strategyOf: ListStrategyOf): JsonObject {
  if (!isObject(patch)) throw badRequest('the server rejected our request due to an error in our request: patch must be a JSON object');
  return mergeMap(original, patch, [], strategyOf) ?? {};
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string[], strategyOf: ListStrategyOf): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest) as JsonObject;
  }
  const out: JsonObject = isObject(original) ? clone(original) : {};
  const retain = patch['$retainKeys'];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) continue; // applied after the list merges below
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(value)) out[field] = list.filter((x) => !value.some((v) => jsonEqual(v, x)));
      continue;
    }
    if (value === null) { delete out[key]; continue; }
    const childPath = [...path, key];
    if (isObject(value)) {
      const merged = mergeMap(isObject(out[key]) ? out[key] : undefined, value, childPath, strategyOf);
      if (merged === undefined) delete out[key]; else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? out[key] : [], value, childPath, strategyOf);
    } else out[key] = value;
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = key.slice('$setElementOrder/'.length);
    const list = out[field];
    if (Array.isArray(list)) out[field] = reorder(list, order, strategyOf([...path, field]));
  }
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(original: JsonValue[], patch: JsonValue[], path: string[], strategyOf: ListStrategyOf): JsonValue[] {
  const strategy = strategyOf(path);
  const replaceDirective = patch.find((p) => isObject(p) && p['$patch'] === 'replace' && Object.keys(p).length === 1);
  if (replaceDirective) return stripDirectives(patch.filter((p) => p !== replaceDirective)) as JsonValue[];
  if (strategy.kind === 'set') {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => jsonEqual(x, v))) out.push(v);
    return out;
  }
  if (strategy.kind !== 'map') return stripDirectives(patch) as JsonValue[];
  const key = strategy.mergeKey;
  const out: JsonValue[] = original.map((x) => clone(x));
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = out.findIndex((x) => isObject(x) && jsonEqual(x[key], item[key]));
    if (item['$patch'] === 'delete') { if (index >= 0) out.splice(index, 1); continue; }
    const elementPath = [...path, '[]'];
    if (index >= 0) {
      const merged = mergeMap(out[index] as JsonObject, item, elementPath, strategyOf);
      if (merged === undefined) out.splice(index, 1); else out[index] = merged;
    } else {
      const fresh = mergeMap(undefined, item, elementPath, strategyOf);
      if (fresh) out.push(fresh);
    }
  }
  return out;
}

function reorder(list: JsonValue[], order: JsonValue[], strategy: ReturnType<ListStrategyOf>): JsonValue[] {
  const keyOf = (v: JsonValue): JsonValue => (strategy.kind === 'map' && isObject(v) ? v[strategy.mergeKey] ?? null : v);
  const position = (v: JsonValue): number => {
    const i = order.findIndex((o) => jsonEqual(keyOf(o), keyOf(v)));
    return i < 0 ? order.length : i;
  };
  return list.map((v, i) => ({ v, i })).sort((a, b) => position(a.v) - position(b.v) || a.i - b.i).map((x) => x.v);
}

function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}
