// The operator's own HTTP endpoint: /healthz (the process runs), /readyz (caches synced as the
// leader, or the elector running as a standby), /metrics (its prom-client registry). Port 8080.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../broker/contract/logger.js';

export interface Probe { readonly ok: boolean; readonly reason: string }

export interface OperatorHttpOptions {
  host: string;
  port: number;
  registry: Registry;
  health: () => Probe;
  ready: () => Probe;
  logger: Logger;
}

export interface OperatorHttp {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOperatorHttp(options: OperatorHttpOptions): Promise<OperatorHttp> {
  const { registry, logger } = options;
  const probe = (res: ServerResponse, p: Probe): void => {
    res.writeHead(p.ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${p.ok ? 'ok' : 'not ready'}: ${p.reason}\n`);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://operator').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { Allow: 'GET, HEAD' }).end(); return; }
    switch (path) {
      case '/healthz': probe(res, options.health()); return;
      case '/readyz': probe(res, options.ready()); return;
      case '/metrics': {
        const body = await registry.metrics();
        res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
        return;
      }
      default: res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('http request failed', { url: req.url, err });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('http listening', { host: options.host, port });
  return {
    port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
