// The OpenAPI v3 paths and schemas of custom resources, as the apiextensions-apiserver publishes
// them per group/version: every route of the kind, its schema under `io.<reversed group>.<version>.<Kind>`
// with x-kubernetes-group-version-kind, ObjectMeta referenced, int-or-string unfolded to anyOf.
import { clone, isObject, type JsonObject } from './json.js';
import { LIST_META_DESCRIPTION, META, META_SCHEMAS, OBJECT_META_DESCRIPTION, ref, refWith, TYPE_META_PROPERTIES } from './openapi-meta.js';
import type { ResourceType } from './resource-type.js';

/** `meshmq.io/v1alpha1/BrokerCluster` -> `io.meshmq.v1alpha1.BrokerCluster` (kube-openapi's ToRESTFriendlyName). */
export function componentName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** `meshmq.io` + `v1alpha1` -> `MeshmqIoV1alpha1`, the prefix of operation ids. */
function operationPrefix(group: string, version: string): string {
  const camel = (s: string): string => s.split(/[.-]/).map((w) => (w ? w[0]?.toUpperCase() + w.slice(1) : '')).join('');
  return camel(group) + camel(version);
}

function tagOf(group: string, version: string): string {
  const p = operationPrefix(group, '');
  return `${p.charAt(0).toLowerCase()}${p.slice(1)}_${version}`;
}

const param = (name: string, type: 'string' | 'boolean' | 'integer', description: string): JsonObject => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const PARAMS: Record<string, JsonObject> = {
  allowWatchBookmarks: param('allowWatchBookmarks', 'boolean', 'Requests watch events with type "BOOKMARK".'),
  continue: param('continue', 'string', 'Token of the next page of a paginated list.'),
  dryRun: param('dryRun', 'string', 'When present, modifications are not persisted; the only valid value is All.'),
  fieldManager: param('fieldManager', 'string', 'Name of the actor or entity making the change.'),
  fieldSelector: param('fieldSelector', 'string', 'Restricts the returned objects by their fields.'),
  fieldValidation: param('fieldValidation', 'string', 'What to do with unknown or duplicate fields: Ignore, Warn (default) or Strict.'),
  force: param('force', 'boolean', 'Force Apply requests: take the conflicting fields over from other managers.'),
  gracePeriodSeconds: param('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; zero deletes at once.'),
  labelSelector: param('labelSelector', 'string', 'Restricts the returned objects by their labels.'),
  limit: param('limit', 'integer', 'Maximum number of objects in one page of a list.'),
  propagationPolicy: param('propagationPolicy', 'string', 'Whether and how garbage collection is performed: Orphan, Background or Foreground.'),
  resourceVersion: param('resourceVersion', 'string', 'Which version of the data the request may be served from.'),
  resourceVersionMatch: param('resourceVersionMatch', 'string', 'How resourceVersion applies to list calls.'),
  sendInitialEvents: param('sendInitialEvents', 'boolean', 'A watch starts with the current objects, then a bookmark.'),
  timeoutSeconds: param('timeoutSeconds', 'integer', 'Timeout of the list or watch call.'),
  watch: param('watch', 'boolean', 'Watch for changes instead of listing.'),
};
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];
const DELETE_PARAMS = ['dryRun', 'gracePeriodSeconds', 'propagationPolicy'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];

const content = (types: string[], schema: JsonObject): JsonObject => Object.fromEntries(types.map((t) => [t, { schema }]));
const responses = (schema: JsonObject, codes: string[]): JsonObject => ({
  ...Object.fromEntries(codes.map((code) => [code, { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content: content(['application/json', 'application/yaml'], schema) }])),
  '401': { description: 'Unauthorized' },
});

/** The words of the real builder's descriptionFor: `partially update status of the specified BrokerCluster`. */
function describeOperation(verb: string, sub: string, kind: string): string {
  const of = sub ? ` ${sub} of` : '';
  switch (verb) {
    case 'list': return `list${of} objects of kind ${kind}`;
    case 'read': case 'replace': return `${verb}${of} the specified ${kind}`;
    case 'patch': return `partially update${of} the specified ${kind}`;
    case 'create': case 'delete': return `${verb}${of} ${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
    case 'deletecollection': return `delete collection of${sub ? `${of} a` : ''} ${kind}`;
    default: return `${verb}${of} ${kind}`;
  }
}

interface Route { method: string; action: string; verb: string; body?: JsonObject; returns: JsonObject; codes: string[]; params: string[] }

/** Paths and component schemas of the custom resource types of one group/version. */
export function customResourceOpenApi(types: readonly ResourceType[]): { paths: JsonObject; schemas: JsonObject } {
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const t of types) {
    const kindName = componentName(t.group, t.version, t.kind);
    const listName = componentName(t.group, t.version, t.listKind);
    schemas[kindName] = publishedSchema(t);
    schemas[listName] = listSchema(t, kindName);
    Object.assign(paths, routesOf(t, kindName, listName));
  }
  // ObjectMeta and the request/response types are shared by every kind of the document.
  if (types.length > 0) Object.assign(schemas, clone(META_SCHEMAS));
  return { paths, schemas };
}

function routesOf(t: ResourceType, kindName: string, listName: string): JsonObject {
  const prefix = operationPrefix(t.group, t.version);
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const ns = t.namespaced ? 'Namespaced' : '';
  const root = `/apis/${t.group}/${t.version}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const kind = ref(kindName);
  const status = ref(`${META}.Status`);
  const patch = ref(`${META}.Patch`);
  const scale = ref('io.k8s.api.autoscaling.v1.Scale');
  const nameParam = { name: 'name', in: 'path', description: `name of the ${t.kind}`, required: true, schema: { type: 'string', uniqueItems: true } };
  const nsParam = { name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } };
  const pretty = { name: 'pretty', in: 'query', description: 'If \'true\', then the output is pretty printed.', schema: { type: 'string', uniqueItems: true } };
  const item = (routes: Route[], sub: string, named: boolean): JsonObject => {
    const out: JsonObject = { parameters: [...(named ? [nameParam] : []), ...(t.namespaced ? [nsParam] : []), pretty] };
    for (const r of routes) {
      const op: JsonObject = {
        tags: [tagOf(t.group, t.version)],
        description: describeOperation(r.verb, sub, t.kind),
        operationId: `${r.verb}${prefix}${ns}${t.kind}${sub ? sub[0]?.toUpperCase() + sub.slice(1) : ''}`,
        parameters: r.params.map((p) => PARAMS[p] ?? param(p, 'string', p)),
        responses: responses(r.returns, r.codes),
        'x-kubernetes-action': r.action,
        'x-kubernetes-group-version-kind': gvk,
      };
      if (r.body) op['requestBody'] = { content: r.method === 'patch' ? content(PATCH_TYPES, r.body) : content(['application/json', 'application/yaml'], r.body), required: r.method !== 'delete' };
      out[r.method] = op;
    }
    return out;
  };
  const writes = (obj: JsonObject, sub: string): Route[] => [
    { method: 'get', action: 'get', verb: 'read', returns: obj, codes: ['200'], params: sub ? [] : ['resourceVersion'] },
    { method: 'put', action: 'put', verb: 'replace', body: obj, returns: obj, codes: ['200', '201'], params: WRITE_PARAMS },
    { method: 'patch', action: 'patch', verb: 'patch', body: patch, returns: obj, codes: ['200', '201'], params: [...WRITE_PARAMS, 'force'] },
  ];
  const paths: JsonObject = {
    [root]: item([
      { method: 'get', action: 'list', verb: 'list', returns: ref(listName), codes: ['200'], params: LIST_PARAMS },
      { method: 'post', action: 'post', verb: 'create', body: kind, returns: kind, codes: ['200', '201', '202'], params: WRITE_PARAMS },
      { method: 'delete', action: 'deletecollection', verb: 'deletecollection', body: ref(`${META}.DeleteOptions`), returns: status, codes: ['200'], params: [...LIST_PARAMS, ...DELETE_PARAMS] },
    ], '', false),
    [`${root}/{name}`]: item([
      ...writes(kind, ''),
      { method: 'delete', action: 'delete', verb: 'delete', body: ref(`${META}.DeleteOptions`), returns: status, codes: ['200', '202'], params: DELETE_PARAMS },
    ], '', true),
  };
  if (t.namespaced) {
    paths[`/apis/${t.group}/${t.version}/${t.plural}`] = {
      parameters: [pretty],
      get: { ...(item([{ method: 'get', action: 'list', verb: 'list', returns: ref(listName), codes: ['200'], params: LIST_PARAMS }], '', false)['get'] as JsonObject), operationId: `list${prefix}${t.kind}ForAllNamespaces` },
    };
  }
  if (t.status) paths[`${root}/{name}/status`] = item(writes(kind, 'status'), 'status', true);
  if (t.scale) paths[`${root}/{name}/scale`] = item(writes(scale, 'scale'), 'scale', true);
  return paths;
}

/** The version's schema as published: type meta and ObjectMeta at the root, int-or-string unfolded. */
function publishedSchema(t: ResourceType): JsonObject {
  const schema = unfold(clone(t.schema ?? { type: 'object' }));
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  // A schema without properties stays open: listing some would make clients refuse the rest.
  if (t.schema && isObject(t.schema['properties'])) {
    schema['properties'] = {
      ...clone(TYPE_META_PROPERTIES),
      ...properties,
      metadata: refWith(`${META}.ObjectMeta`, OBJECT_META_DESCRIPTION),
    };
  }
  schema['type'] = 'object';
  schema['x-kubernetes-group-version-kind'] = [{ group: t.group, kind: t.kind, version: t.version }];
  return schema;
}

function listSchema(t: ResourceType, kindName: string): JsonObject {
  return {
    description: `${t.listKind} is a list of ${t.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      ...clone(TYPE_META_PROPERTIES),
      items: { description: `List of ${t.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: ref(kindName) },
      metadata: refWith(`${META}.ListMeta`, LIST_META_DESCRIPTION),
    },
    'x-kubernetes-group-version-kind': [{ group: t.group, kind: t.listKind, version: t.version }],
  };
}

/** x-kubernetes-int-or-string published as anyOf integer|string, as the structural schema's Unfold does. */
function unfold(s: JsonObject): JsonObject {
  const out: JsonObject = { ...s };
  if (isObject(s['properties'])) out['properties'] = Object.fromEntries(Object.entries(s['properties']).map(([k, p]) => [k, isObject(p) ? unfold(p) : p]));
  if (isObject(s['items'])) out['items'] = unfold(s['items']);
  if (isObject(s['additionalProperties'])) out['additionalProperties'] = unfold(s['additionalProperties']);
  if (s['x-kubernetes-int-or-string'] === true && s['anyOf'] === undefined && s['allOf'] === undefined) out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  return out;
}
