// OpenAPI: /openapi/v2 is not published (404). /openapi/v3 publishes, per group/version, every
// custom resource's routes and schema as a real server does (so `kubectl explain` reads the CRD's
// descriptions), and for built-in kinds only the PATCH operations with their query parameters, so
// kubectl finds that the server does field validation itself (fieldValidation=Strict). With no
// strategic-merge request bodies listed, kubectl apply builds its patches from compiled types
// (built-ins) or as JSON merge patches (custom resources, as on a real server).
import { createHash } from 'node:crypto';
import { pathNotFound } from './api-error.js';
import type { JsonObject } from './json.js';
import { customResourceOpenApi } from './openapi-crd.js';
import type { ResourceRegistry } from './resource-registry.js';

export interface OpenApiAnswer { code: number; body: unknown }

export function openApiV2(): OpenApiAnswer {
  return { code: 404, body: pathNotFound().toStatus() };
}

function groupVersions(registry: ResourceRegistry): string[] {
  const gvs = new Set<string>();
  for (const t of registry.all()) gvs.add(t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`);
  return [...gvs].sort();
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function gvDocument(registry: ResourceRegistry, gv: string): JsonObject | undefined {
  const [root, ...rest] = gv.split('/');
  const group = root === 'api' ? '' : rest[0] ?? '';
  const version = root === 'api' ? rest[0] ?? '' : rest[1] ?? '';
  const types = registry.resourcesIn(group, version);
  if (!types || types.length === 0) return undefined;
  const custom = customResourceOpenApi(types.filter((t) => !t.builtin));
  const paths: JsonObject = { ...custom.paths };
  for (const t of types.filter((x) => x.builtin)) {
    const base = `/${gv}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    const params = QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } }));
    const gvk = { group, version, kind: t.kind };
    paths[base] = {
      patch: { operationId: `patch${t.kind}`, parameters: params, responses: { '200': { description: 'OK' } }, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk },
    };
  }
  const info = types.every((t) => !t.builtin) ? { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' } : { title: 'Kubernetes', version: 'v1.32.4' };
  return { openapi: '3.0.0', info, paths, components: { schemas: custom.schemas } };
}

/** `/openapi/v3` (the index) or `/openapi/v3/<api/v1|apis/group/version>`. */
export function openApiV3(registry: ResourceRegistry, sub: string): OpenApiAnswer {
  if (sub === '') {
    const index: JsonObject = {};
    for (const gv of groupVersions(registry)) {
      const hash = createHash('sha512').update(JSON.stringify(gvDocument(registry, gv))).digest('hex').slice(0, 128).toUpperCase();
      index[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
    }
    return { code: 200, body: { paths: index } };
  }
  const doc = gvDocument(registry, sub);
  return doc ? { code: 200, body: doc } : { code: 404, body: pathNotFound().toStatus() };
}
