// metadata.managedFields bookkeeping for Update operations: the writing manager owns the
// fields it changed (plus what it owned and left alone); other managers lose those fields.
import { flattenFields, fromFieldsV1, toFieldsV1, type FieldLeaves } from './field-set.js';
import { isObject, metadataOf, type JsonObject } from './json.js';
import type { ListStrategyOf } from './patch-meta.js';

export interface ManagedFieldsEntry {
  manager: string; operation: 'Update' | 'Apply'; apiVersion: string; time: string;
  fieldsType: 'FieldsV1'; fieldsV1: JsonObject; subresource?: string;
}

export interface WriteIdentity { manager: string; apiVersion: string; subresource: string; time: string; strategyOf: ListStrategyOf }

export function entriesOf(obj: JsonObject | undefined): ManagedFieldsEntry[] {
  const mf = obj ? metadataOf(obj)['managedFields'] : undefined;
  return Array.isArray(mf) ? (mf.filter(isObject) as unknown as ManagedFieldsEntry[]) : [];
}

export function leavesOf(obj: JsonObject | undefined, id: Pick<WriteIdentity, 'subresource' | 'strategyOf'>): FieldLeaves {
  return flattenFields(obj, { strategyOf: id.strategyOf, includeStatus: id.subresource === 'status', onlyStatus: id.subresource === 'status' });
}

function sameOwner(e: ManagedFieldsEntry, manager: string, operation: string, subresource: string): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === subresource;
}

/**
 * Sets `next.metadata.managedFields` for an Update by `id.manager`; `owned` overrides the
 * fields the writer ends up owning (server-side apply passes its applied set with operation Apply).
 */
export function recordManagedFields(next: JsonObject, prev: JsonObject | undefined, id: WriteIdentity, apply?: { owned: Set<string> }): void {
  const operation = apply ? 'Apply' : 'Update';
  const before = leavesOf(prev, id);
  const after = leavesOf(next, id);
  const changed = new Set<string>();
  for (const [path, value] of after) if (before.get(path) !== value) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  const entries = entriesOf(prev);
  const taken = apply ? new Set([...apply.owned].filter((p) => after.has(p))) : changed;
  const result: ManagedFieldsEntry[] = [];
  let mine: Set<string> | undefined;
  for (const e of entries) {
    const fields = fromFieldsV1(e.fieldsV1);
    if (sameOwner(e, id.manager, operation, id.subresource)) {
      mine = apply ? taken : new Set([...fields].filter((p) => after.has(p)));
      continue;
    }
    // Another manager keeps its fields outside this write's scope, and those still present
    // that this write did not change and take over (an unchanged value stays shared).
    const kept = [...fields].filter((p) => !inScope(p, id.subresource) || (after.has(p) && !(changed.has(p) && taken.has(p))));
    if (kept.length > 0) result.push({ ...e, fieldsV1: toFieldsV1(kept) });
  }
  const own = new Set<string>([...(mine ?? []), ...taken].filter((p) => after.has(p)));
  if (own.size > 0) {
    const entry: ManagedFieldsEntry = { manager: id.manager, operation, apiVersion: id.apiVersion, time: id.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1([...own].sort()) };
    if (id.subresource) entry.subresource = id.subresource;
    result.push(entry);
  }
  setEntries(next, result);
}

function inScope(path: string, subresource: string): boolean {
  return path.startsWith('f:status') === (subresource === 'status');
}

function setEntries(obj: JsonObject, entries: ManagedFieldsEntry[]): void {
  const meta = metadataOf(obj);
  if (entries.length > 0) meta['managedFields'] = entries as unknown as JsonObject[];
  else delete meta['managedFields'];
}

/** The manager name the apiserver derives when `fieldManager` is absent: the user agent's program name. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const name = (userAgent ?? '').split('/')[0]?.trim() ?? '';
  return name.slice(0, 128) || 'unknown';
}
