// An HTTP proxy in front of the API emulator that answers chosen requests 403 Forbidden with the
// Status a real API server's RBAC sends, and forwards everything else: the emulator stores RBAC
// objects but enforces none, and the operator must be seen failing on a forbidden verb.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verbOf } from '../../../operator/kube/request-verb.js';

export interface Forbidden { verb: string; resource: string; group?: string }

export interface ForbiddingProxy { url: string; close(): Promise<void> }

export const OPERATOR_USER = 'system:serviceaccount:meshmq-system:meshmq-operator';

/** `upstream` is the emulator's plain-http URL; with no rules it is a plain proxy (closing it cuts the operator off). */
export async function startForbiddingProxy(upstream: string, forbidden: readonly Forbidden[], port = 0): Promise<ForbiddingProxy> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', upstream);
    const verb = verbOf(req.method ?? 'GET', url.pathname, url.searchParams);
    const parts = url.pathname.split('/').filter(Boolean);
    const group = parts[0] === 'apis' ? parts[1] ?? '' : '';
    const rest = parts.slice(parts[0] === 'apis' ? 3 : 2);
    const resource = rest[0] === 'namespaces' && rest.length >= 3 ? rest[2] : rest[0];
    const namespace = rest[0] === 'namespaces' && rest.length >= 3 ? rest[1] : undefined;
    const denied = forbidden.find((f) => f.verb === verb && f.resource === resource && (f.group ?? '') === group);
    if (denied) {
      const qualified = group === '' ? resource : `${resource}.${group}`;
      const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      const message = `${qualified} is forbidden: User "${OPERATOR_USER}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`;
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details: { kind: resource }, code: 403,
      }));
      return;
    }
    const upstreamReq = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      // A watch sends its headers long before its first event: pass them on at once.
      res.flushHeaders();
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
