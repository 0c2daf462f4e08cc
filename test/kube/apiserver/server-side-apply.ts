// Server-side apply (application/apply-patch+yaml): merges the applied configuration by the
// kind's list semantics, detects conflicts with other field managers (409 unless force), and
// removes fields this manager applied before but no longer does (unless someone else owns them).
import { ApiError, badRequest } from './api-error.js';
import { flattenFields, fromFieldsV1, renderPath } from './field-set.js';
import { clone, isObject, jsonEqual, metadataOf, type JsonObject, type JsonValue } from './json.js';
import { entriesOf } from './managed-fields.js';
import { listStrategyFor, type ListStrategyOf } from './patch-meta.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export interface ApplyContext { manager: string; force: boolean; subresource: string }

export function serverSideApply(type: ResourceType, current: JsonObject | undefined, applied: JsonObject, ctx: ApplyContext): { object: JsonObject; owned: Set<string> } {
  if (applied['apiVersion'] !== apiVersionOf(type) || applied['kind'] !== type.kind) {
    throw badRequest(`error decoding YAML: the apiVersion and kind of the applied object must be ${apiVersionOf(type)}, ${type.kind}`);
  }
  if (ctx.manager === '' || ctx.manager === 'unknown') {
    throw badRequest('PATCH, application/apply-patch+yaml requests require a non-empty fieldManager');
  }
  const strategyOf = listStrategyFor(type.storeKey, type.builtin, isObject(type.schema) ? type.schema : undefined);
  const scope = { strategyOf, includeStatus: ctx.subresource === 'status', onlyStatus: ctx.subresource === 'status' };
  const appliedLeaves = flattenFields(applied, scope);
  const owned = new Set(appliedLeaves.keys());
  if (!current) return { object: stripNulls(clone(applied)), owned };
  const currentLeaves = flattenFields(current, scope);
  const entries = entriesOf(current);
  const conflicts = new Map<string, string[]>();
  let previouslyMine = new Set<string>();
  for (const e of entries) {
    const fields = fromFieldsV1(e.fieldsV1);
    if (e.manager === ctx.manager && e.operation === 'Apply' && (e.subresource ?? '') === ctx.subresource) { previouslyMine = fields; continue; }
    for (const p of fields) {
      const value = appliedLeaves.get(p);
      if (value === undefined || currentLeaves.get(p) === value) continue;
      const who = `"${e.manager}"${e.operation === 'Update' ? ` using ${e.apiVersion}` : ''}`;
      conflicts.set(who, [...(conflicts.get(who) ?? []), p]);
    }
  }
  if (conflicts.size > 0 && !ctx.force) throw conflictError(type, String(metadataOf(current)['name'] ?? ''), conflicts);
  const merged = applyStrategicMergePatch(current, applied, strategyOf);
  const othersOwn = new Set<string>();
  for (const e of entries) if (!(e.manager === ctx.manager && e.operation === 'Apply')) for (const p of fromFieldsV1(e.fieldsV1)) othersOwn.add(p);
  // Fields this manager applied before and dropped now are removed, unless another manager owns them.
  const dropped = [...previouslyMine].filter((p) => !owned.has(p) && !othersOwn.has(p)).sort((a, b) => b.length - a.length);
  for (const p of dropped) removePath(merged, p.split('\n'), [], strategyOf);
  return { object: stripNulls(merged), owned };
}

function conflictError(type: ResourceType, name: string, conflicts: Map<string, string[]>): ApiError {
  const total = [...conflicts.values()].reduce((n, l) => n + l.length, 0);
  const causes = [...conflicts.entries()].flatMap(([who, paths]) => paths.map((p) => ({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field: renderPath(p) })));
  const parts = [...conflicts.entries()].map(([who, paths]) => (paths.length === 1 ? `conflict with ${who}: ${renderPath(paths[0] ?? '')}` : `conflicts with ${who}:\n${paths.map((p) => `- ${renderPath(p)}`).join('\n')}`));
  return new ApiError(409, 'Conflict', `Apply failed with ${total} conflict${total === 1 ? '' : 's'}: ${parts.join('\n')}`, {
    name, ...(type.group ? { group: type.group } : {}), kind: type.plural, causes,
  });
}

/** Removes the node a field-set path names (a field, a list-map element, a set value). */
function removePath(node: JsonValue | undefined, segs: string[], names: string[], strategyOf: ListStrategyOf): void {
  const [seg, ...rest] = segs;
  if (seg === undefined || node === undefined) return;
  if (seg.startsWith('f:') && isObject(node)) {
    const key = seg.slice(2);
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '.')) { delete node[key]; return; }
    removePath(node[key], rest, [...names, key], strategyOf);
    return;
  }
  if (!Array.isArray(node)) return;
  if (seg.startsWith('v:')) {
    const value = JSON.parse(seg.slice(2)) as JsonValue;
    const i = node.findIndex((x) => jsonEqual(x, value));
    if (i >= 0) node.splice(i, 1);
    return;
  }
  if (seg.startsWith('k:')) {
    const key = JSON.parse(seg.slice(2)) as JsonObject;
    const i = node.findIndex((x) => isObject(x) && Object.entries(key).every(([k, v]) => jsonEqual(x[k] ?? null, v)));
    if (i < 0) return;
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '.')) { node.splice(i, 1); return; }
    removePath(node[i], rest, [...names, '[]'], strategyOf);
  }
}

function stripNulls(obj: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) delete obj[k];
    else if (isObject(v)) stripNulls(v);
  }
  return obj;
}
