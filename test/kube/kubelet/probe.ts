// One probe attempt (httpGet, tcpSocket or exec), judged as the kubelet does: HTTP 200-399,
// a TCP connect, or exit code 0, within timeoutSeconds.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export interface ProbeResult { ok: boolean; message: string }

export interface ProbeContext {
  /** The pod's IP: the default host of httpGet and tcpSocket probes. */
  podIp: string;
  container: V1Container;
  /** Wraps an exec probe's argv to run inside the pod (network namespace, image binaries). */
  execArgv: (command: readonly string[]) => string[];
  env: Readonly<Record<string, string>>;
  timeScale: number;
}

/** A numeric port, or a container port's name. */
export function resolvePort(port: number | string | undefined, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe port "${String(port)}" is not a container port name`);
  return named.containerPort;
}

export async function runProbe(probe: V1Probe, ctx: ProbeContext): Promise<ProbeResult> {
  const timeoutMs = Math.max(50, (probe.timeoutSeconds ?? 1) * 1000);
  try {
    if (probe.httpGet) return await httpProbe(probe, ctx, timeoutMs);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host ?? ctx.podIp, resolvePort(probe.tcpSocket.port, ctx.container), timeoutMs);
    if (probe.exec) return await execProbe(ctx.execArgv(probe.exec.command ?? []), ctx.env, timeoutMs);
    return { ok: false, message: 'probe has no handler (httpGet, tcpSocket, exec)' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

async function httpProbe(probe: V1Probe, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const get = probe.httpGet!;
  const port = resolvePort(get.port, ctx.container);
  const scheme = (get.scheme ?? 'HTTP').toLowerCase();
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.33', accept: '*/*' };
  for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
  const request = scheme === 'https' ? https.request : http.request;
  return await new Promise<ProbeResult>((resolve) => {
    const req = request({ host: get.host ?? ctx.podIp, port, path: get.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, message: `HTTP probe failed with statuscode: ${status}` });
    });
    req.on('timeout', () => { req.destroy(); resolve({ ok: false, message: `Get "${scheme}://${get.host ?? ctx.podIp}:${port}${get.path ?? '/'}": context deadline exceeded` }); });
    req.on('error', (err) => resolve({ ok: false, message: `Get "${scheme}://${get.host ?? ctx.podIp}:${port}${get.path ?? '/'}": ${dialError(get.host ?? ctx.podIp, port, err)}` }));
    req.end();
  });
}

/** A connection error as Go's net package words it, which is what probe events show on a cluster. */
function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = { ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable' };
  const text = err.code ? words[err.code] : undefined;
  return text ? `dial tcp ${host}:${port}: connect: ${text}` : `dial tcp ${host}:${port}: ${err.message}`;
}

async function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return await new Promise<ProbeResult>((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => { socket.destroy(); resolve({ ok: true, message: '' }); });
    socket.once('timeout', () => { socket.destroy(); resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }); });
    socket.once('error', (err) => resolve({ ok: false, message: dialError(host, port, err) }));
  });
}

async function execProbe(argv: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number): Promise<ProbeResult> {
  const [file, ...args] = argv;
  if (file === undefined) return { ok: false, message: 'exec probe without a command' };
  return await new Promise<ProbeResult>((resolve) => {
    const child = spawn(file, args, { env: { ...env }, stdio: 'ignore', timeout: timeoutMs });
    child.once('error', (err) => resolve({ ok: false, message: err.message }));
    child.once('exit', (code, signal) => resolve({ ok: code === 0, message: signal ? `command timed out (${signal})` : `command exited with ${code}` }));
  });
}
