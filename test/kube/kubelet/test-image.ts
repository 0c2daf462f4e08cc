// The generic test container (`meshmq/test-image`, `busybox`): an HTTP server whose health,
// readiness and exit the tests steer, and which shows its environment and mounted files.
// Settings (env): BIND (else POD_IP, else 0.0.0.0), PORT (8080), READY_AFTER_MS, EXIT_AFTER_MS +
// EXIT_CODE, IGNORE_SIGTERM=true, TERM_DELAY_MS.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import net from 'node:net';

const env = process.env;
const state = { ready: !env['READY_AFTER_MS'], live: true };
const log = (msg: string): void => { process.stdout.write(`${new Date().toISOString()} ${msg}\n`); };

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  switch (url.pathname) {
    case '/healthz': return reply(state.live ? 200 : 500, { live: state.live });
    case '/readyz': return reply(state.ready ? 200 : 503, { ready: state.ready });
    case '/env': return reply(200, env);
    case '/args': return reply(200, process.argv.slice(2));
    case '/control':
      if (url.searchParams.has('ready')) state.ready = url.searchParams.get('ready') === 'true';
      if (url.searchParams.has('live')) state.live = url.searchParams.get('live') === 'true';
      log(`control ready=${state.ready} live=${state.live}`);
      return reply(200, state);
    case '/file':
      readFile(url.searchParams.get('path') ?? '', 'utf8').then((text) => reply(200, { text }), (err: Error) => reply(404, { error: err.message }));
      return;
    case '/connect': {
      // A TCP connect from inside the pod: "ok", "timeout" or the error code.
      const socket = net.connect(Number(url.searchParams.get('port')), url.searchParams.get('host') ?? '');
      socket.setTimeout(Number(url.searchParams.get('timeoutMs') ?? '1000'));
      socket.once('connect', () => { socket.destroy(); reply(200, { result: 'ok' }); });
      socket.once('timeout', () => { socket.destroy(); reply(200, { result: 'timeout' }); });
      socket.once('error', (err: NodeJS.ErrnoException) => reply(200, { result: err.code ?? err.message }));
      return;
    }
    case '/exit': {
      const code = Number(url.searchParams.get('code') ?? '0');
      reply(200, { exiting: code });
      setImmediate(() => process.exit(code));
      return;
    }
    default: return reply(404, { error: 'not found' });
  }
});

const host = env['BIND'] ?? env['POD_IP'] ?? '0.0.0.0';
const port = Number(env['PORT'] ?? '8080');
server.listen(port, host, () => log(`started on ${host}:${port} args=${JSON.stringify(process.argv.slice(2))}`));

if (env['READY_AFTER_MS']) setTimeout(() => { state.ready = true; log('ready'); }, Number(env['READY_AFTER_MS'])).unref();
if (env['EXIT_AFTER_MS']) setTimeout(() => { log('exiting on schedule'); process.exit(Number(env['EXIT_CODE'] ?? '0')); }, Number(env['EXIT_AFTER_MS']));

process.on('SIGTERM', () => {
  log('SIGTERM');
  if (env['IGNORE_SIGTERM'] === 'true') return;
  setTimeout(() => { server.close(); process.exit(0); }, Number(env['TERM_DELAY_MS'] ?? '0'));
});
