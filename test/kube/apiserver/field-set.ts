// Field sets as structured-merge-diff writes them in managedFields.fieldsV1: paths of
// `f:<field>`, `k:{<keys>}` (list-map element), `v:<value>` (set element) and `.` (the node itself).
import { isObject, type JsonObject, type JsonValue } from './json.js';
import type { ListStrategyOf } from './patch-meta.js';

/** Leaf path (segments joined by '\n') -> the JSON of the value found there. */
export type FieldLeaves = Map<string, string>;

const SEP = '\n';
const META_FIELDS = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);
const MAP_FIELDS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'matchLabels', 'nodeSelector', 'requests', 'limits']);

export interface FlattenOptions { strategyOf: ListStrategyOf; includeStatus: boolean; onlyStatus?: boolean }

/** Every owned leaf of an object, with its value (to tell which fields a write changed). */
export function flattenFields(obj: JsonObject | undefined, options: FlattenOptions): FieldLeaves {
  const out: FieldLeaves = new Map();
  if (!obj) return out;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'status' ? !options.includeStatus : options.onlyStatus) continue;
    if (key === 'metadata') {
      if (!isObject(value)) continue;
      for (const [mk, mv] of Object.entries(value)) {
        if (META_FIELDS.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk], options.strategyOf, out);
      }
      continue;
    }
    walk(value, [`f:${key}`], [key], options.strategyOf, out);
  }
  return out;
}

function walk(value: JsonValue | undefined, segs: string[], names: string[], strategyOf: ListStrategyOf, out: FieldLeaves): void {
  if (value === undefined) return;
  if (isObject(value)) {
    const entries = Object.entries(value);
    const field = names[names.length - 1] ?? '';
    if (entries.length === 0) { out.set(segs.join(SEP), '{}'); return; }
    if (MAP_FIELDS.has(field)) out.set([...segs, '.'].join(SEP), '');
    for (const [k, v] of entries) walk(v, [...segs, `f:${k}`], [...names, k], strategyOf, out);
    return;
  }
  if (Array.isArray(value)) {
    const strategy = strategyOf(names);
    if (strategy.kind === 'map' && value.every(isObject)) {
      for (const el of value) {
        const key = elementKey(el, strategy.mapKeys);
        const elSegs = [...segs, `k:${key}`];
        out.set([...elSegs, '.'].join(SEP), '');
        for (const [k, v] of Object.entries(el)) walk(v, [...elSegs, `f:${k}`], [...names, '[]', k], strategyOf, out);
      }
      return;
    }
    if (strategy.kind === 'set') {
      for (const el of value) out.set([...segs, `v:${JSON.stringify(el)}`].join(SEP), '');
      return;
    }
  }
  out.set(segs.join(SEP), JSON.stringify(value));
}

/** `{"containerPort":80,"protocol":"TCP"}`: the key fields present, in the declared order. */
export function elementKey(el: JsonObject, mapKeys: readonly string[]): string {
  const key: JsonObject = {};
  for (const k of mapKeys) if (el[k] !== undefined) key[k] = el[k] ?? null;
  if (Object.keys(key).length === 0 && mapKeys.length > 0) key[mapKeys[0] ?? 'name'] = null;
  return JSON.stringify(key);
}

/** The fieldsV1 tree of a set of leaf paths. */
export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const seg of path.split(SEP)) {
      const next = node[seg];
      if (isObject(next)) node = next;
      else { const fresh: JsonObject = {}; node[seg] = fresh; node = fresh; }
    }
  }
  return root;
}

/** The leaf paths of a fieldsV1 tree. */
export function fromFieldsV1(tree: JsonValue | undefined): Set<string> {
  const out = new Set<string>();
  const visit = (node: JsonObject, segs: string[]): void => {
    const entries = Object.entries(node);
    if (entries.length === 0 && segs.length > 0) { out.add(segs.join(SEP)); return; }
    for (const [k, v] of entries) if (isObject(v)) visit(v, [...segs, k]);
  };
  if (isObject(tree)) visit(tree, []);
  return out;
}

/** A path rendered as the apiserver prints it in apply conflicts: `.spec.replicas`. */
export function renderPath(path: string): string {
  return path.split(SEP).filter((s) => s !== '.').map((s) => {
    if (s.startsWith('f:')) return `.${s.slice(2)}`;
    if (s.startsWith('k:')) return `[${s.slice(2).replace(/^\{|\}$/g, '').replace(/"([^"]+)":/g, '$1=')}]`;
    if (s.startsWith('v:')) return `[=${s.slice(2)}]`;
    return s;
  }).join('');
}
