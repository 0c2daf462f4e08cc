// The Kubernetes API emulator's entry point: an HTTP(S) server speaking the kube-apiserver
// REST protocol over an in-memory store, with its CRD, garbage-collection and namespace controllers,
// and ServiceAccounts (default ones, kube-root-ca.crt, the pod volume, tokens it issues and accepts).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../../../broker/contract/logger.js';
import { toKubeConfig, writeKubeconfigFile, type KubeconfigTarget } from '../kubeconfig.js';
import { createAdmission } from './admission.js';
import { ApiError, internalError, unauthorized } from './api-error.js';
import { auditResponse } from './audit-http.js';
import { AuditLog, type AuditReader } from './audit-log.js';
import { CrdController } from './crd-controller.js';
import { GarbageCollector } from './garbage-collector.js';
import { mediaType, parseBody, readBody, sendError, sendJson } from './http-io.js';
import { metadataOf, type JsonObject } from './json.js';
import { NamespaceController } from './namespace-controller.js';
import { NamespaceDefaultsController } from './namespace-defaults-controller.js';
import { ObjectStore } from './object-store.js';
import { ObjectWriter } from './object-writer.js';
import { ResourceHandler } from './resource-handler.js';
import { ResourceRegistry } from './resource-registry.js';
import { ResourceService } from './resource-service.js';
import { serverSideApply } from './server-side-apply.js';
import { admitPodServiceAccount } from './service-account-admission.js';
import { createTokenIssuer, looksLikeJwt, type TokenIssuer } from './service-account-token.js';
import { ServiceIpAllocator } from './service-ip-allocator.js';
import { createServingCert } from './tls-cert.js';
import { createInitialNamespaces, createKubernetesService } from './initial-objects.js';
import { coreVersions, group, groupList, resourceList, versionDocument } from './discovery.js';
import type { PodLogSource } from './pod-logs.js';
import { parseApiPath } from './request-path.js';
import { createProtobufBodyDecoder } from './protobuf/protobuf-body.js';
import { openApiV2, openApiV3 } from './openapi.js';

export interface ApiServerOptions {
  host?: string;
  port?: number;
  /** Serve HTTPS with a fresh self-signed certificate (its CA goes into kubeconfigs). Default true. */
  tls?: boolean;
  /** bearer token -> user name; when set, unauthenticated requests get 401. */
  tokens?: Record<string, string>;
  logger?: Logger;
  /** Events kept for watch resume; older resourceVersions get 410 Gone (reason Expired). Default 1000. */
  watchCacheSize?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK. Default 60 s, as the real server. */
  bookmarkIntervalMs?: number;
  /** Clock for timestamps; default Date.now. */
  now?: () => number;
  /** Where `pods/{name}/log` reads from (the kubelet's log files); without it log requests get 503. */
  podLogs?: PodLogSource;
  /** Requests the audit log keeps (the oldest go first). Default 10000. */
  auditLogSize?: number;
}

export interface ApiServer {
  readonly url: string;
  writeKubeconfig(path: string, options?: { token?: string; namespace?: string }): Promise<void>;
  kubeConfig(options?: { token?: string }): KubeConfig;
  /** Every request served: `audit.entries({ user: 'operator', writes: true })`. */
  readonly audit: AuditReader;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = (options.logger ?? silentLogger).child({ component: 'kube-apiserver' });
  const now = options.now ?? Date.now;
  const store = new ObjectStore(options.watchCacheSize ?? 1000);
  const audit = new AuditLog(options.auditLogSize ?? 10_000);
  const registry = new ResourceRegistry();
  const crds = new CrdController(store, registry, logger, now);
  const serviceAccount = (namespace: string, name: string) => store.get('/serviceaccounts', namespace, name);
  const admission = createAdmission(crds.hooks, new ServiceIpAllocator(store), [crds.validateDefinition], [
    (type, obj) => { if (type.storeKey === '/pods') admitPodServiceAccount(type, obj, serviceAccount); },
  ]);
  const issuer = createTokenIssuer();
  const writer = new ObjectWriter(store, admission, now);
  const graceTimers = new Map<string, NodeJS.Timeout>();
  const present = crds.present;
  const service = new ResourceService({
    store, writer, present,
    apply: (type, current, applied, ctx) => serverSideApply(type, current, applied, ctx),
    scheduleGrace: (type, obj, seconds) => {
      // No kubelet confirmed the deletion within the grace period: the pod goes anyway.
      const meta = obj['metadata'] as { uid?: string; namespace?: string; name?: string };
      const key = meta.uid ?? '';
      clearTimeout(graceTimers.get(key));
      graceTimers.set(key, setTimeout(() => {
        graceTimers.delete(key);
        const cur = store.get(type.storeKey, meta.namespace ?? '', meta.name ?? '');
        if (cur && (cur['metadata'] as { uid?: string }).uid === key) {
          try { service.delete(type, meta.namespace ?? '', meta.name ?? '', { gracePeriodSeconds: 0, dryRun: false }); }
          catch (err) { logger.warn('forced pod deletion failed', { pod: meta.name, err }); }
        }
      }, seconds * 1000).unref());
    },
  });
  const gc = new GarbageCollector(store, registry, service, logger);
  const namespaces = new NamespaceController(store, registry, service, logger);
  const cert = options.tls === false ? undefined : await createServingCert(host);
  const namespaceDefaults = new NamespaceDefaultsController(store, registry, service, cert?.cert, logger);
  createInitialNamespaces(registry, service);
  namespaceDefaults.reconcile();
  const streams = new Set<() => void>();
  const handler = new ResourceHandler({
    registry, service, store, present, logger,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    podLogs: options.podLogs,
    tokens: issuer,
    now,
    track: (end) => { streams.add(end); return () => { streams.delete(end); }; },
  });
  // kubectl's generators, Helm and client-go send built-in objects as protobuf.
  const protobuf = createProtobufBodyDecoder();
  const tokens = options.tokens;
  let serverAddress = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const started = Date.now();
    let user = '';
    auditResponse(audit, req, res, now, () => user);
    try {
      user = authenticate(req, tokens, issuer, serviceAccount, now());
      const path = parseApiPath(url.pathname);
      const method = req.method ?? 'GET';
      if (!path) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      switch (path.kind) {
        case 'health': res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'); return;
        case 'version': sendJson(res, 200, versionDocument()); return;
        case 'api': sendJson(res, 200, coreVersions(serverAddress)); return;
        case 'apis': sendJson(res, 200, groupList(registry)); return;
        case 'openapi-v2': { const doc = openApiV2(); sendJson(res, doc.code, doc.body); return; }
        case 'openapi-v3': { const doc = openApiV3(registry, path.sub); sendJson(res, doc.code, doc.body); return; }
        case 'group': {
          const doc = group(registry, path.group);
          if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
          sendJson(res, 200, doc);
          return;
        }
        case 'resources': {
          const doc = resourceList(registry, path.group, path.version);
          if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
          sendJson(res, 200, doc);
          return;
        }
        case 'resource': {
          const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(req);
          const contentType = mediaType(req.headers['content-type']);
          const body = parseBody(raw, contentType, protobuf);
          await handler.handle(req, res, { path, method, query: url.searchParams, body, contentType, user });
          return;
        }
      }
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : internalError(err);
      if (apiErr.code >= 500) logger.error('request failed', { method: req.method, url: req.url, err });
      sendError(res, apiErr);
    } finally {
      if (logger.isLevelEnabled('debug')) logger.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started });
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => { void handle(req, res); };
  const server: Server = cert ? createHttpsServer({ cert: cert.cert, key: cert.key }, listener) : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const url = `${cert ? 'https' : 'http'}://${hostPart}:${port}`;
  serverAddress = `${hostPart}:${port}`;
  createKubernetesService(registry, service, { host, port, tls: cert !== undefined });
  logger.info('kube-apiserver emulator listening', { url });
  const target = (token?: string, namespace?: string): KubeconfigTarget => ({ server: url, caPem: cert?.cert, token, namespace });

  return {
    url,
    writeKubeconfig: (path, o = {}) => writeKubeconfigFile(path, target(o.token, o.namespace)),
    kubeConfig: (o = {}) => toKubeConfig(target(o.token)),
    audit,
    close: async () => {
      for (const end of [...streams]) end();
      for (const t of graceTimers.values()) clearTimeout(t);
      graceTimers.clear();
      gc.close();
      namespaces.close();
      namespaceDefaults.close();
      crds.close();
      store.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/**
 * The user a request acts as: a ServiceAccount token this server issued (for a ServiceAccount that
 * still exists) names `system:serviceaccount:<ns>:<name>` and anything JWT-shaped that fails that is
 * refused, as the token authenticator does; otherwise the static tokens, or system:admin without them.
 */
function authenticate(req: IncomingMessage, tokens: Record<string, string> | undefined, issuer: TokenIssuer,
  serviceAccount: (namespace: string, name: string) => JsonObject | undefined, now: number): string {
  const header = req.headers['authorization'] ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  if (looksLikeJwt(bearer)) {
    const sa = issuer.verify(bearer, now);
    const live = sa ? serviceAccount(sa.namespace, sa.name) : undefined;
    if (!sa || !live || metadataOf(live)['uid'] !== sa.uid) throw unauthorized();
    return `system:serviceaccount:${sa.namespace}:${sa.name}`;
  }
  if (!tokens) return 'system:admin';
  const user = tokens[bearer];
  if (!user) throw unauthorized();
  return user;
}
