// The HTTP listener (port 8081): probes, Prometheus metrics and the /api/v1 routes. Probes and
// metrics are open; /api/v1 needs the bearer token when one is configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_API_PREFIX, ADMIN_PATHS } from '../contract/admin-api.js';
import type { Logger } from '../log/logger.js';
import { ApiError } from './api-error.js';
import { matchRoute, type ApiResponse, type Route } from './route.js';

export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  nodeName: string;
  /** Listeners up (and, in a cluster, joined); the server adds "not draining". */
  isReady: () => boolean;
  /** Why it is not ready, when isReady says no (default: starting), e.g. store_unavailable. */
  notReadyReason?: () => string | undefined;
  metrics: MetricsSource;
  routes: readonly Route[];
  /** Bearer token for /api/v1; open when undefined. */
  apiToken: string | undefined;
  logger: Logger;
}

const MAX_BODY_BYTES = 64 * 1024;

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #server: http.Server;
  readonly #tokenDigest: Buffer | undefined;
  #draining = false;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#tokenDigest = options.apiToken === undefined ? undefined : digest(options.apiToken);
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        options.logger.error('http handler failed', { err, url: req.url });
        if (!res.headersSent) sendJson(res, 500, new ApiError('internal_error', 'internal error').toBody());
        else res.destroy();
      });
    });
    // Probes must never hang behind a slow client.
    this.#server.requestTimeout = 10000;
    this.#server.headersTimeout = 5000;
  }

  async start(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`HTTP listener cannot listen on ${this.#options.host}:${this.#options.port}`, { cause: err }));
      this.#server.once('error', onError);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    return this.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  /** From now on /readyz answers 503, so load balancers stop sending clients here. */
  setDraining(): void {
    this.#draining = true;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const { nodeName } = this.#options;
    if (url.pathname === ADMIN_PATHS.healthz) return sendProbe(res, method, 200, { status: 'ok', node: nodeName });
    if (url.pathname === ADMIN_PATHS.readyz) {
      const ready = !this.#draining && this.#options.isReady();
      const reason = this.#draining ? 'shutting down' : (this.#options.notReadyReason?.() ?? 'starting');
      const body = ready ? { status: 'ready', node: nodeName } : { status: 'not-ready', node: nodeName, reason };
      return sendProbe(res, method, ready ? 200 : 503, body);
    }
    if (url.pathname === ADMIN_PATHS.metrics) {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, new ApiError('method_not_allowed', `${method} is not allowed on ${url.pathname}`), { allow: 'GET, HEAD' });
      const text = await this.#options.metrics.metrics();
      res.writeHead(200, { 'content-type': this.#options.metrics.contentType, 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    try {
      if (url.pathname === ADMIN_API_PREFIX || url.pathname.startsWith(`${ADMIN_API_PREFIX}/`)) this.#checkToken(req);
      const response = await this.#dispatch(req, method, url);
      sendJson(res, response.status, response.body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const headers: Record<string, string> = {};
      if (err.code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="meshmq"';
      sendError(res, err, headers);
    }
  }

  #checkToken(req: http.IncomingMessage): void {
    if (this.#tokenDigest === undefined) return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Compare fixed-length digests so neither the token nor its length leaks through timing.
    if (match === null || !timingSafeEqual(digest(match[1] as string), this.#tokenDigest)) {
      throw new ApiError('unauthorized', match === null ? 'a bearer token is required' : 'the bearer token is not valid');
    }
  }

  async #dispatch(req: http.IncomingMessage, method: string, url: URL): Promise<ApiResponse> {
    const found = matchRoute(this.#options.routes, method, url.pathname);
    if (found.kind === 'none') throw new ApiError('not_found', `no such endpoint: ${url.pathname}`);
    if (found.kind === 'wrong-method') throw new ApiError('method_not_allowed', `${method} is not allowed on ${url.pathname}; allowed: ${found.allowed.join(', ')}`);
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readJsonBody(req);
    return await found.route.handle({ params: found.params, query: url.searchParams, body });
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError('payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiError('bad_request', 'request body is not valid JSON', { cause: err });
  }
}

function sendProbe(res: http.ServerResponse, method: string, status: number, body: unknown): void {
  if (method !== 'GET' && method !== 'HEAD') return sendError(res, new ApiError('method_not_allowed', `${method} is not allowed on probes`), { allow: 'GET, HEAD' });
  sendJson(res, status, method === 'HEAD' ? undefined : body);
}

function sendError(res: http.ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, err.toBody(), headers);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
