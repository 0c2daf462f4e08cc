// The operator's one door to the Kubernetes API: raw JSON requests through client-node's
// KubeConfig (TLS, tokens, exec plugins) and HTTP library, counted by verb and code in one place.
// Raw on purpose: client-node's typed serializer drops fields its models do not know and turns
// times into Dates, which would make compare-then-write compare something else than the API sent.
import https from 'node:https';
import { createHash } from 'node:crypto';
import { HttpMethod, RequestContext, Watch, type KubeConfig } from '@kubernetes/client-node';
import { IsomorphicFetchHttpLibrary } from '@kubernetes/client-node';
import { groupVersionPath, knownResource, kindKey, resourcePath, type ResourceRef } from './api-resources.js';
import { KubeApiError, KubeUnreachableError, parseStatusBody } from './kube-api-error.js';
import { verbOf, type Verb } from './request-verb.js';

export interface KubeApiHooks {
  /** Every request, once it has an answer (`code` is the HTTP status, or 'error' without one); watches when they end. */
  onRequest?(verb: Verb, code: string, seconds: number): void;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export interface ListOptions { namespace?: string; labelSelector?: string; fieldSelector?: string }

export interface KubeList<T> { apiVersion?: string; kind?: string; metadata: { resourceVersion?: string; continue?: string }; items: T[] }

/** The interface client-node's ListWatch needs from a Watch. */
export interface Watcher {
  watch(path: string, query: Record<string, string | number | boolean | undefined>, callback: (phase: string, obj: any, raw?: any) => void, done: (err: any) => void): Promise<AbortController>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Watch's own signature
}

const DEFAULT_TIMEOUT_MS = 30_000;
const IDLE_SOCKET_MS = 4000;
/** How the API server's audit log and managedFields (for writes without a field manager) name us. */
export const USER_AGENT = 'meshmq-operator/0.1.0';
const LIST_PAGE_SIZE = 500;

export class KubeApi {
  readonly server: string;
  readonly #kc: KubeConfig;
  readonly #hooks: KubeApiHooks;
  readonly #http = new IsomorphicFetchHttpLibrary();
  readonly #agents = new Map<string, https.Agent>();
  readonly #discovered = new Map<string, Promise<ResourceRef>>();

  constructor(kc: KubeConfig, hooks: KubeApiHooks = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster (set current-context)');
    this.server = cluster.server.replace(/\/+$/, '');
    this.#kc = kc;
    this.#hooks = hooks;
  }

  /** Sends one request; resolves with the parsed JSON body, throws KubeApiError or KubeUnreachableError. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await this.#send<T>(method, path, options);
    } catch (err) {
      // A kept-alive connection the server closed just as we reused it: the request never arrived.
      // Once more on a fresh one; only for methods whose repeat cannot make a second object.
      if (err instanceof KubeUnreachableError && method !== 'POST' && isConnectionReset(err.cause)) return await this.#send<T>(method, path, options);
      throw err;
    }
  }

  async #send<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions): Promise<T> {
    const ctx = new RequestContext(this.server + path, HttpMethod[method]);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, v);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', USER_AGENT);
    if (options.body !== undefined) {
      ctx.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(options.body));
    }
    ctx.setSignal(AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    await this.#kc.applySecurityAuthentication(ctx);
    this.#reuseConnections(ctx);
    const verb = verbOf(method, path, new URL(ctx.getUrl()).searchParams);
    let status: number;
    let text: string;
    const started = performance.now();
    const took = (): number => (performance.now() - started) / 1000;
    try {
      const response = await this.#http.send(ctx).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (err) {
      this.#hooks.onRequest?.(verb, 'error', took());
      throw new KubeUnreachableError(this.server, method, path, { cause: err });
    }
    this.#hooks.onRequest?.(verb, String(status), took());
    if (status >= 200 && status < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    const body = parseStatusBody(text);
    throw new KubeApiError(status, body?.reason || `HTTP${status}`, body?.message || `${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`, method, path, body);
  }

  /** The object, or undefined when it does not exist. */
  async get<T>(resource: ResourceRef, namespace: string | undefined, name: string, subresource?: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', resourcePath(resource, namespace, name, subresource));
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Every item, page by page; the resourceVersion is the first page's (what a watch resumes from). */
  async list<T>(resource: ResourceRef, options: ListOptions = {}): Promise<KubeList<T>> {
    const path = resourcePath(resource, options.namespace);
    const items: T[] = [];
    let first: KubeList<T> | undefined;
    let token: string | undefined;
    do {
      const page: KubeList<T> = await this.request('GET', path, {
        query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: String(LIST_PAGE_SIZE), continue: token },
      });
      first ??= page;
      items.push(...page.items);
      token = page.metadata.continue || undefined;
    } while (token);
    return { ...first, metadata: { ...(first.metadata.resourceVersion ? { resourceVersion: first.metadata.resourceVersion } : {}) }, items };
  }

  create<T>(resource: ResourceRef, namespace: string | undefined, body: unknown, fieldManager: string): Promise<T> {
    return this.request('POST', resourcePath(resource, namespace), { body, query: { fieldManager } });
  }

  /** Server-side apply (`application/apply-patch+yaml`; JSON is YAML). */
  serverSideApply<T>(resource: ResourceRef, namespace: string | undefined, name: string, body: unknown, fieldManager: string, subresource?: string): Promise<T> {
    return this.request('PATCH', resourcePath(resource, namespace, name, subresource), {
      body, contentType: 'application/apply-patch+yaml', query: { fieldManager, force: 'true' },
    });
  }

  replace<T>(resource: ResourceRef, namespace: string | undefined, name: string, body: unknown, fieldManager: string, subresource?: string): Promise<T> {
    return this.request('PUT', resourcePath(resource, namespace, name, subresource), { body, query: { fieldManager } });
  }

  mergePatch<T>(resource: ResourceRef, namespace: string | undefined, name: string, patch: unknown, fieldManager: string): Promise<T> {
    return this.request('PATCH', resourcePath(resource, namespace, name), { body: patch, contentType: 'application/merge-patch+json', query: { fieldManager } });
  }

  delete(resource: ResourceRef, namespace: string | undefined, name: string, options: { uid?: string; propagationPolicy?: string } = {}): Promise<unknown> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...(options.uid ? { preconditions: { uid: options.uid } } : {}), ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}) };
    return this.request('DELETE', resourcePath(resource, namespace, name), { body });
  }

  /** A known resource, or one found once through discovery (`GET /apis/<group>/<version>`). */
  resolve(apiVersion: string, kind: string): Promise<ResourceRef> {
    const known = knownResource(apiVersion, kind);
    if (known) return Promise.resolve(known);
    const key = kindKey(apiVersion, kind);
    let found = this.#discovered.get(key);
    if (!found) {
      found = this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', groupVersionPath(apiVersion)).then((list) => {
        const r = list.resources?.find((x) => x.kind === kind && !x.name.includes('/'));
        if (!r) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
        return { apiVersion, kind, plural: r.name, namespaced: r.namespaced };
      });
      found.catch(() => this.#discovered.delete(key));
      this.#discovered.set(key, found);
    }
    return found;
  }

  /** A Watch for ListWatch whose requests are counted like the others (when they end). */
  watcher(): Watcher {
    // Watch reads only these two of its KubeConfig: hand it one that adds our User-Agent.
    const kc = this.#kc;
    const withAgent = {
      getCurrentCluster: () => kc.getCurrentCluster(),
      applyToFetchOptions: async (opts: Parameters<KubeConfig['applyToFetchOptions']>[0]) => {
        const init = await kc.applyToFetchOptions(opts);
        (init.headers as { set(k: string, v: string): void }).set('User-Agent', USER_AGENT);
        return init;
      },
    } as unknown as KubeConfig;
    const watch = new Watch(withAgent);
    return {
      watch: (path, query, callback, done) => {
        const started = performance.now();
        return watch.watch(path, query, callback, (err: unknown) => {
          const code = (err as { statusCode?: unknown } | null)?.statusCode;
          this.#hooks.onRequest?.('watch', typeof code === 'number' ? String(code) : err ? 'error' : '200', (performance.now() - started) / 1000);
          done(err);
        });
      },
    };
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  // client-node makes a new https.Agent for every request: a TLS handshake each time. Reuse one
  // keep-alive agent per distinct set of TLS options (client certificates may rotate).
  #reuseConnections(ctx: RequestContext): void {
    const agent = ctx.getAgent();
    if (!(agent instanceof https.Agent) || agent.constructor !== https.Agent) return;
    const o = agent.options;
    const key = createHash('sha256').update(JSON.stringify([keyText(o.ca), keyText(o.cert), keyText(o.key), o.rejectUnauthorized, o.servername])).digest('hex');
    let shared = this.#agents.get(key);
    if (!shared) {
      // Idle sockets go after 4 s, before servers' usual 5 s keep-alive timeout closes them under us.
      shared = new https.Agent({ ...o, keepAlive: true, maxSockets: 16, timeout: IDLE_SOCKET_MS });
      this.#agents.set(key, shared);
    }
    ctx.setAgent(shared);
  }
}

/** TLS material (PEM text, Buffers, or lists of them) as comparable text. */
function keyText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(keyText).join(',');
  return JSON.stringify(v) ?? '';
}

function isConnectionReset(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
