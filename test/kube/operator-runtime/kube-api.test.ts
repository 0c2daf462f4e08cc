// KubeApi's connections over real TLS: one kept-alive connection for many requests (not a TLS
// handshake each), the User-Agent, and a request whose reused connection the server closes before
// answering (the keep-alive race) sent once more, except a POST, which could create twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeApi } from '../../../operator/kube/kube-api.js';
import { KubeUnreachableError } from '../../../operator/kube/kube-api-error.js';
import { createServingCert } from '../apiserver/tls-cert.js';
import { toKubeConfig } from '../kubeconfig.js';

let server: Server;
let api: KubeApi;
let connections = 0;
const seen: Array<{ method: string; url: string; agent: string; socket: number }> = [];
/** When set, the next request that arrives on an already used connection has that connection cut. */
let resetNextReuse = false;
const used = new WeakMap<Socket, number>();

beforeAll(async () => {
  const cert = await createServingCert('127.0.0.1');
  server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const socket = req.socket;
    const n = (used.get(socket) ?? 0) + 1;
    used.set(socket, n);
    seen.push({ method: req.method ?? '', url: req.url ?? '', agent: req.headers['user-agent'] ?? '', socket: n });
    if (resetNextReuse && n > 1) { resetNextReuse = false; socket.destroy(); return; }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ gitVersion: 'v1.32.4' }));
  });
  server.on('secureConnection', () => { connections++; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  api = new KubeApi(toKubeConfig({ server: `https://127.0.0.1:${port}`, caPem: cert.cert, token: 't' }));
});
afterAll(async () => {
  api.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('KubeApi connections', () => {
  it('keeps one TLS connection for requests in a row and names itself', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) await api.request('GET', '/version');
    expect(connections - before).toBe(1);
    expect(seen.at(-1)?.agent).toBe('meshmq-operator/0.1.0');
  });

  it('sends a request once more when its reused connection is cut before an answer', async () => {
    await api.request('GET', '/version');
    const before = seen.length;
    resetNextReuse = true;
    await expect(api.request('PUT', '/apis/coordination.k8s.io/v1/namespaces/n/leases/l', { body: {} })).resolves.toEqual({ gitVersion: 'v1.32.4' });
    expect(seen.slice(before).map((s) => s.method)).toEqual(['PUT', 'PUT']);
  });

  it('does not repeat a POST', async () => {
    await api.request('GET', '/version');
    const before = seen.length;
    resetNextReuse = true;
    await expect(api.request('POST', '/api/v1/namespaces/n/events', { body: {} })).rejects.toBeInstanceOf(KubeUnreachableError);
    expect(seen.slice(before).map((s) => s.method)).toEqual(['POST']);
  });
});
