// Field selectors: `a=b,c!=d` over the fields each kind indexes on the real server
// (metadata.name/namespace everywhere; pod phase/node; event involvedObject.*; secret type).
import { badRequest } from './api-error.js';
import { getPath, type JsonObject } from './json.js';
import type { ResourceType } from './resource-type.js';

export interface FieldRequirement { field: string; value: string; negate: boolean }
export type FieldSelector = readonly FieldRequirement[];

const EXTRA_FIELDS: Record<string, Record<string, string>> = {
  '/pods': {
    'spec.nodeName': 'spec.nodeName', 'spec.restartPolicy': 'spec.restartPolicy', 'spec.schedulerName': 'spec.schedulerName',
    'spec.serviceAccountName': 'spec.serviceAccountName', 'spec.hostNetwork': 'spec.hostNetwork', 'status.phase': 'status.phase',
    'status.podIP': 'status.podIP', 'status.nominatedNodeName': 'status.nominatedNodeName',
  },
  '/events': {
    'involvedObject.kind': 'involvedObject.kind', 'involvedObject.namespace': 'involvedObject.namespace', 'involvedObject.name': 'involvedObject.name',
    'involvedObject.uid': 'involvedObject.uid', 'involvedObject.apiVersion': 'involvedObject.apiVersion',
    'involvedObject.resourceVersion': 'involvedObject.resourceVersion', 'involvedObject.fieldPath': 'involvedObject.fieldPath',
    reason: 'reason', reportingComponent: 'reportingComponent', source: 'source.component', type: 'type',
  },
  '/secrets': { type: 'type' },
  '/namespaces': { 'status.phase': 'status.phase' },
  'apps/statefulsets': { 'status.successful': 'status.successful' },
};

export function parseFieldSelector(text: string, type: ResourceType): FieldSelector {
  const out: FieldRequirement[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1] ?? '';
    if (!isSupportedField(field, type)) {
      throw badRequest(type.builtin
        ? `field label not supported: ${field}`
        : `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    out.push({ field, value: m[3] ?? '', negate: m[2] === '!=' });
  }
  return out;
}

function isSupportedField(field: string, type: ResourceType): boolean {
  if (field === 'metadata.name' || (field === 'metadata.namespace' && type.namespaced)) return true;
  return Object.hasOwn(EXTRA_FIELDS[type.storeKey] ?? {}, field);
}

export function matchesFields(selector: FieldSelector, obj: JsonObject, type: ResourceType): boolean {
  return selector.every((r) => {
    const path = EXTRA_FIELDS[type.storeKey]?.[r.field] ?? r.field;
    const raw = getPath(obj, path);
    const value = raw === undefined || raw === null ? '' : String(raw);
    return r.negate ? value !== r.value : value === r.value;
  });
}
