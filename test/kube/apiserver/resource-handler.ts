// Maps an HTTP request on a resource path to a verb of the ResourceService, as the real
// apiserver's handlers do (status codes, dryRun, fieldManager, Table output, watch).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../broker/contract/logger.js';
import { ApiError, badRequest, conflict, methodNotAllowed, pathNotFound } from './api-error.js';
import { parseDeleteOptions } from './delete-object.js';
import { sendJson, wantsTable } from './http-io.js';
import { isObject, metadataOf, stringAt, type JsonObject, type JsonValue } from './json.js';
import { parseListOptions } from './list-options.js';
import { managerFromUserAgent } from './managed-fields.js';
import type { ObjectStore } from './object-store.js';
import { parsePodLogRequest, servePodLog, type PodLogSource } from './pod-logs.js';
import type { ApiPath } from './request-path.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { CallContext, FieldValidation, ResourceService } from './resource-service.js';
import type { ResourceType } from './resource-type.js';
import { renderTable } from './table.js';
import type { TokenIssuer } from './service-account-token.js';
import { serveWatch } from './watch-stream.js';

export interface ResourceHandlerDeps {
  registry: ResourceRegistry;
  service: ResourceService;
  store: ObjectStore;
  present: (type: ResourceType, obj: JsonObject) => JsonObject;
  logger: Logger;
  bookmarkIntervalMs: number;
  track: (end: () => void) => () => void;
  /** The node side of pods/log; without it log requests get 503. */
  podLogs: PodLogSource | undefined;
  /** serviceaccounts/{name}/token. */
  tokens: TokenIssuer;
  now: () => number;
}

export interface ResourceRequest {
  path: Extract<ApiPath, { kind: 'resource' }>;
  method: string;
  query: URLSearchParams;
  body: JsonValue | undefined;
  contentType: string;
  user: string;
}

// Objects whose immediate DELETE answers with the deleted object rather than a Status.
const RETURNS_DELETED = new Set(['/pods', '/services', '/namespaces']);

export class ResourceHandler {
  readonly #deps: ResourceHandlerDeps;

  constructor(deps: ResourceHandlerDeps) {
    this.#deps = deps;
  }

  /** Answers one request; the promise settles when a streamed answer (logs) has ended. */
  handle(req: IncomingMessage, res: ServerResponse, r: ResourceRequest): void | Promise<void> {
    const { path, method, query } = r;
    const type = this.#deps.registry.lookup(path.group, path.version, path.plural);
    if (!type) throw pathNotFound();
    // A cluster-scoped kind has no namespaced path.
    if (!type.namespaced && path.namespace !== '') throw pathNotFound();
    const ns = path.namespace;
    const service = this.#deps.service;
    const ctx: CallContext = {
      manager: query.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']),
      dryRun: query.getAll('dryRun').includes('All'),
      force: query.get('force') === 'true',
      fieldValidation: parseFieldValidation(query.get('fieldValidation')),
      warnings: [],
    };
    // Warnings reach the client as `Warning: 299 - "..."` headers, which kubectl prints.
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
      if (ctx.warnings.length > 0 && !res.headersSent) res.setHeader('Warning', ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`));
      return writeHead(...args);
    }) as ServerResponse['writeHead'];
    const table = wantsTable(req.headers['accept']);
    const isWatch = path.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
    if (path.subresource !== '') return this.#subresource(res, type, r, ctx);
    if (path.name === '') {
      if (type.namespaced && ns === '' && method !== 'GET') throw methodNotAllowed();
      switch (method) {
        case 'GET': {
          const options = parseListOptions(query, type);
          if (isWatch) { serveWatch(res, { ...this.#deps }, type, ns, options, table ? this.#tableView(type, query) : undefined); return; }
          const list = service.list(type, ns, options);
          sendJson(res, 200, table ? renderTable(type, list, this.#deps.store.revision, query.get('includeObject')) : list);
          return;
        }
        case 'POST': {
          const created = service.create(type, ns, r.body ?? null, ctx);
          sendJson(res, 201, created);
          return;
        }
        case 'DELETE': {
          if (!type.verbs.includes('deletecollection')) throw methodNotAllowed();
          sendJson(res, 200, service.deleteCollection(type, ns, parseListOptions(query, type), parseDeleteOptions(query, r.body)));
          return;
        }
        default: throw methodNotAllowed();
      }
    }
    switch (method) {
      case 'GET': {
        if (isWatch) {
          // A watch on one name is a watch with a metadata.name field selector.
          query.set('fieldSelector', [query.get('fieldSelector'), `metadata.name=${path.name}`].filter(Boolean).join(','));
          serveWatch(res, { ...this.#deps }, type, ns, parseListOptions(query, type), table ? this.#tableView(type, query) : undefined);
          return;
        }
        const obj = service.get(type, ns, path.name);
        sendJson(res, 200, table ? renderTable(type, { items: [obj] }, this.#deps.store.revision, query.get('includeObject')) : obj);
        return;
      }
      case 'PUT': {
        const before = this.#deps.store.get(type.storeKey, type.namespaced ? ns : '', path.name);
        const updated = service.update(type, ns, path.name, r.body ?? null, ctx, '');
        sendJson(res, before ? 200 : 201, updated);
        return;
      }
      case 'PATCH': {
        const before = this.#deps.store.get(type.storeKey, type.namespaced ? ns : '', path.name);
        const patched = service.patch(type, ns, path.name, r.contentType, r.body ?? null, ctx, '');
        sendJson(res, before ? 200 : 201, patched);
        return;
      }
      case 'DELETE': {
        const result = service.delete(type, ns, path.name, parseDeleteOptions(query, r.body));
        if (!result.removed) { sendJson(res, 202, result.object); return; }
        if (RETURNS_DELETED.has(type.storeKey) || !type.builtin) { sendJson(res, 200, result.object); return; }
        const meta = metadataOf(result.object);
        sendJson(res, 200, {
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
          details: { name: path.name, ...(type.group ? { group: type.group } : {}), kind: type.plural, uid: stringAt(meta, 'uid') ?? '' },
        });
        return;
      }
      default: throw methodNotAllowed();
    }
  }

  /** Watch events as one-row Tables; only the first carries the column definitions, as the real server sends them. */
  #tableView(type: ResourceType, query: URLSearchParams): (obj: JsonObject, first: boolean) => JsonObject {
    return (obj, first) => {
      const t = renderTable(type, { items: [obj] }, this.#deps.store.revision, query.get('includeObject'));
      t['metadata'] = { resourceVersion: String(metadataOf(obj)['resourceVersion'] ?? '') };
      if (!first) t['columnDefinitions'] = [];
      return t;
    };
  }

  #subresource(res: ServerResponse, type: ResourceType, r: ResourceRequest, ctx: CallContext): void | Promise<void> {
    const { path, method } = r;
    const service = this.#deps.service;
    if (path.subresource === 'binding' && type.storeKey === '/pods' && method === 'POST') {
      this.#bind(res, type, r);
      return;
    }
    if (path.subresource === 'token' && type.storeKey === '/serviceaccounts' && path.name !== '') {
      if (method !== 'POST') throw methodNotAllowed();
      const sa = service.get(type, path.namespace, path.name);
      sendJson(res, 201, this.#deps.tokens.request(sa, r.body, this.#deps.now()));
      return;
    }
    if (path.subresource === 'log' && type.storeKey === '/pods' && path.name !== '') {
      if (method !== 'GET') throw methodNotAllowed();
      const pod = service.get(type, path.namespace, path.name);
      const lookup = () => this.#deps.store.get(type.storeKey, path.namespace, path.name);
      return servePodLog(res, this.#deps.podLogs, parsePodLogRequest(pod, r.query), lookup);
    }
    const known = (path.subresource === 'status' && type.status) || (path.subresource === 'scale' && type.scale !== undefined);
    if (!known || path.name === '') throw pathNotFound();
    const scale = path.subresource === 'scale';
    switch (method) {
      case 'GET': sendJson(res, 200, scale ? service.getScale(type, path.namespace, path.name) : service.get(type, path.namespace, path.name)); return;
      case 'PUT': sendJson(res, 200, service.update(type, path.namespace, path.name, r.body ?? null, ctx, path.subresource)); return;
      case 'PATCH': sendJson(res, 200, service.patch(type, path.namespace, path.name, r.contentType, r.body ?? null, ctx, path.subresource)); return;
      default: throw methodNotAllowed();
    }
  }

  /** pods/binding: the scheduler's way to set spec.nodeName, once. */
  #bind(res: ServerResponse, type: ResourceType, r: ResourceRequest): void {
    const target = isObject(r.body) && isObject(r.body['target']) ? r.body['target'] : undefined;
    const node = stringAt(target, 'name');
    if (!node) throw badRequest('Binding.target.name is required');
    const pod = this.#deps.service.get(type, r.path.namespace, r.path.name);
    const spec = isObject(pod['spec']) ? pod['spec'] : {};
    if (spec['nodeName']) throw conflict(type, r.path.name, `pod ${r.path.name} is already assigned to node "${String(spec['nodeName'])}"`);
    if (metadataOf(pod)['deletionTimestamp'] !== undefined) throw conflict(type, r.path.name, `pod ${r.path.name} is being deleted, cannot be assigned to a host`);
    try {
      this.#deps.service.bind(type, r.path.namespace, r.path.name, node);
    } catch (err) {
      throw err instanceof ApiError ? err : new ApiError(500, 'InternalError', 'binding failed', {}, { cause: err });
    }
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
}

function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation parameter unsupported: ${value}`);
}
