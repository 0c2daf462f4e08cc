// The HTTP listener (port 8081): probes, Prometheus metrics and the /api/v1 routes. Probes and
// metrics are open; /api/v1 needs the bearer token when one is configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_API_PREFIX, ADMIN_PATHS } from '../contract/admin-api.js';
import { ADMIN_ENDPOINTS } from '../contract/admin-endpoints.js';
import { listen } from '../listeners/listener.js';
import type { Logger } from '../contract/logger.js';
import { ApiError } from './api-error.js';
import type { ReadinessDecision } from './readiness.js';
import { matchRoute, serve, type ApiResponse, type Route } from './route.js';

export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  nodeName: string;
  /** Whether /readyz answers 200, or why not (decideReadiness). */
  readiness: () => ReadinessDecision;
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
  readonly #routes: readonly Route[];

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#tokenDigest = options.apiToken === undefined ? undefined : digest(options.apiToken);
    this.#routes = [...probeRoutes(options), ...options.routes];
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
    await listen(this.#server, 'http', {
      host: this.#options.host, port: this.#options.port, onError: (err) => this.#options.logger.error('HTTP listener error', { err }),
    });
    return this.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
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
    if (url.pathname === ADMIN_PATHS.metrics) {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, new ApiError('method_not_allowed', `${method} is not allowed on ${url.pathname}`), { allow: 'GET, HEAD' });
      const text = await this.#options.metrics.metrics();
      res.writeHead(200, { 'content-type': this.#options.metrics.contentType, 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    try {
      // Probes answer HEAD as GET, without a body.
      const found = matchRoute(this.#routes, method === 'HEAD' ? 'GET' : method, url.pathname);
      const open = found.kind === 'found' && found.route.open === true;
      // Under /api/v1 the token comes first: without it, not even which endpoints exist leaks.
      if (!open && (url.pathname === ADMIN_API_PREFIX || url.pathname.startsWith(`${ADMIN_API_PREFIX}/`))) {
        this.#checkToken(req);
        if (found.kind === 'found') this.#checkLoopbackOnly(req, method, url.pathname);
      }
      if (method === 'HEAD' && found.kind === 'found' && !open) {
        return sendError(res, new ApiError('method_not_allowed', `HEAD is not allowed on ${url.pathname}`), { allow: found.route.method });
      }
      if (found.kind === 'none') throw new ApiError('not_found', `no such endpoint: ${url.pathname}`);
      if (found.kind === 'wrong-method') {
        const allowed = found.allowed.includes('GET') ? [...found.allowed, 'HEAD'] : found.allowed;
        return sendError(res, new ApiError('method_not_allowed', `${method} is not allowed on ${url.pathname}; allowed: ${allowed.join(', ')}`), { allow: allowed.join(', ') });
      }
      const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : parseBody(found.route, await readJsonBody(req));
      const response: ApiResponse = await found.route.handle({ params: found.params, query: url.searchParams, body });
      sendJson(res, response.status, method === 'HEAD' ? undefined : response.body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const headers: Record<string, string> = {};
      if (err.code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="meshmq"';
      sendError(res, err, headers);
    }
  }

  /**
   * Without a token anyone who reaches the port could kick clients, forget nodes or drain: a broker
   * that has none takes changes from its own host only (reads stay open; the start warns of both).
   */
  #checkLoopbackOnly(req: http.IncomingMessage, method: string, pathname: string): void {
    if (this.#tokenDigest !== undefined || method === 'GET' || method === 'HEAD' || fromThisHost(req.socket)) return;
    throw new ApiError('forbidden', `${method} ${pathname} changes the broker: without an API token only loopback may ask; set auth.apiToken (MESHMQ_API_TOKEN) to allow it from other hosts`);
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
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener sees ::ffff:127.0.0.1). */
/**
 * A peer on this host: loopback, or a connection from this host's own address (`meshmq ctl` in a pod
 * whose broker binds the pod IP dials that IP: the kernel makes it the source too). A TCP peer
 * elsewhere cannot complete a handshake from an address of this host.
 */
function fromThisHost(socket: { remoteAddress?: string | undefined; localAddress?: string | undefined }): boolean {
  return isLoopback(socket.remoteAddress) || (socket.remoteAddress !== undefined && socket.remoteAddress === socket.localAddress);
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
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

/** /healthz and /readyz: open, from the contract's table like every other route. */
function probeRoutes(options: HttpServerOptions): Route[] {
  const node = options.nodeName;
  return [
    serve(ADMIN_ENDPOINTS.health, () => ({ status: 200, body: { status: 'ok', node } })),
    serve(ADMIN_ENDPOINTS.readiness, () => {
      const decision = options.readiness();
      if (decision.ready) return { status: 200, body: { status: 'ready', node } };
      return { status: 503, body: { status: 'not-ready', node, reason: decision.reason, ...(decision.message === undefined ? {} : { message: decision.message }) } };
    }),
  ];
}

/** The request body as the route's schema parses it; 400 naming the first field that does not fit. */
function parseBody(route: Route, body: unknown): unknown {
  if (route.request === undefined) return body;
  const parsed = route.request.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'the body' : issue.path.map(String).join('.');
  throw new ApiError('bad_request', `${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error });
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
