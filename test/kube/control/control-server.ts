// The control endpoint of a running `kube:up`, so another shell can cut and heal the pod network
// (`kube:partition`, `kube:heal`): HTTP on loopback, a random bearer token, and a state file
// beside the kubeconfig (mode 0600) that tells the commands where it is.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../broker/contract/logger.js';

export interface ControlTarget {
  partition(groupA: readonly string[], groupB: readonly string[]): Promise<void>;
  heal(): Promise<void>;
}

export interface ControlState {
  readonly pid: number;
  readonly url: string;
  readonly token: string;
  readonly apiUrl: string;
}

export interface ControlServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

export async function startControlServer(target: ControlTarget, logger: Logger): Promise<ControlServer> {
  const token = randomBytes(24).toString('base64url');
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) { reply(401, { error: 'bad token' }); return; }
    void (async () => {
      try {
        if (req.method === 'POST' && req.url === '/partition') {
          const { groups } = await readBody(req) as { groups?: unknown };
          if (!Array.isArray(groups) || groups.length < 2 || !groups.every((g) => Array.isArray(g) && g.every((p) => typeof p === 'string'))) {
            reply(400, { error: 'expected { groups: [[pod...], [pod...], ...] }' });
            return;
          }
          const list = groups;
          for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) await target.partition(list[i] as string[], list[j] as string[]);
          logger.info('partitioned from the control endpoint', { groups: list });
          reply(200, { partitioned: list });
        } else if (req.method === 'POST' && req.url === '/heal') {
          await target.heal();
          logger.info('healed from the control endpoint');
          reply(200, { healed: true });
        } else {
          reply(404, { error: `no ${req.method ?? ''} ${req.url ?? ''}; try POST /partition or POST /heal` });
        }
      } catch (err) {
        reply(409, { error: (err as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, token,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
