// Starts a real broker process for black-box tests: the built meshmq (`dist/broker/main.js`)
// or, with MESHMQ_CONFORMANCE_TARGET=mosquitto, Debian's mosquitto as a reference to check
// the tests themselves. Free ports (or a fixed set on the broker's own 127.x address, as
// pods have), readiness by /readyz or a connect, never by a fixed sleep.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './net.js';
import { SpawnedProcess, type ProcessExit } from './spawned-process.js';
import { startMosquitto } from './mosquitto-process.js';
import { writeMeshmqAclFile, writeMeshmqUsersFile, type AclRule, type TestUser } from './auth-files.js';

export type BrokerKind = 'meshmq' | 'mosquitto';

export interface BrokerPorts { mqtt: number; ws: number; tls: number; http: number; cluster: number }

export interface StartBrokerOptions {
  /** Extra MESHMQ_* variables (they override the ports and address chosen here). */
  env?: Record<string, string>;
  /** Configuration (keys of broker/config/schema.ts), written to a file for MESHMQ_CONFIG. */
  config?: Record<string, unknown>;
  /** Node name and log label. */
  name?: string;
  /** Address every listener binds; a 127.x.y.z of its own lets brokers share port numbers. */
  host?: string;
  /** Fixed ports (cluster tests give every node the same ones); free ones otherwise. */
  ports?: Partial<BrokerPorts>;
  /** How long to wait for readiness. */
  readyTimeoutMs?: number;
  /** Users written to a users file (auth.usersFile) in the broker's format. */
  users?: TestUser[];
  /** ACL rules written to an ACL file (auth.aclFile); meshmq only. */
  acl?: AclRule[];
  /** Skip waiting for /readyz (e.g. a clustered node that cannot be ready alone). */
  waitReady?: boolean;
}

export interface BrokerHandle {
  readonly kind: BrokerKind;
  readonly name: string;
  readonly host: string;
  readonly ports: BrokerPorts;
  readonly mqttUrl: string;
  readonly wsUrl: string;
  readonly tlsPort: number;
  readonly httpUrl: string;
  readonly pid: number | undefined;
  readonly exited: Promise<ProcessExit>;
  /** Everything the broker printed so far. */
  logs(): string;
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Signals the broker (SIGTERM by default) and resolves with its exit code. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<number | null>;
  kill(): Promise<void>;
}

/** Which broker the conformance suite runs against. */
export function conformanceTarget(): BrokerKind {
  return process.env['MESHMQ_CONFORMANCE_TARGET'] === 'mosquitto' ? 'mosquitto' : 'meshmq';
}

export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'meshmq') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the meshmq repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export async function allocatePorts(host: string, fixed: Partial<BrokerPorts> = {}): Promise<BrokerPorts> {
  const [mqtt, ws, tls, httpPort, cluster] = await freePorts(5, host);
  return {
    mqtt: fixed.mqtt ?? mqtt!, ws: fixed.ws ?? ws!, tls: fixed.tls ?? tls!,
    http: fixed.http ?? httpPort!, cluster: fixed.cluster ?? cluster!,
  };
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<BrokerHandle> {
  return conformanceTarget() === 'mosquitto' ? await startMosquitto(options) : await startMeshmq(options);
}

/**
 * A port found free can be taken by another process before the broker binds it (tests run in
 * parallel): on EADDRINUSE with ports we chose, try again with fresh ones.
 */
export async function retryOnPortClash(options: StartBrokerOptions, start: () => Promise<BrokerHandle>, attempts = 3): Promise<BrokerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const clash = /EADDRINUSE|Address already in use/.test((err as Error).message);
      if (!clash || options.ports !== undefined || attempt >= attempts) throw err;
    }
  }
}

export async function startMeshmq(options: StartBrokerOptions = {}): Promise<BrokerHandle> {
  return await retryOnPortClash(options, () => startMeshmqOnce(options));
}

async function startMeshmqOnce(options: StartBrokerOptions): Promise<BrokerHandle> {
  const host = options.host ?? '127.0.0.1';
  const ports = await allocatePorts(host, options.ports);
  const name = options.name ?? `meshmq-test-${randomBytes(3).toString('hex')}`;
  const root = repoRoot();
  const main = path.join(root, 'dist', 'broker', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -p tsconfig.build.json)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-broker-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? dir,
    MESHMQ_NODE_NAME: name,
    MESHMQ_BIND: host,
    MESHMQ_MQTT_PORT: String(ports.mqtt),
    MESHMQ_WS_PORT: String(ports.ws),
    MESHMQ_TLS_PORT: String(ports.tls),
    MESHMQ_HTTP_PORT: String(ports.http),
    MESHMQ_CLUSTER_PORT: String(ports.cluster),
    MESHMQ_LOG_LEVEL: process.env['MESHMQ_TEST_LOG_LEVEL'] ?? 'info',
  };
  const config = withAuthFiles(options, dir);
  if (config) {
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    env['MESHMQ_CONFIG'] = configFile;
  }
  Object.assign(env, options.env);
  const child = new SpawnedProcess({ command: process.execPath, args: [main], env, cwd: dir, name });
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const handle: BrokerHandle = {
    kind: 'meshmq', name, host, ports,
    mqttUrl: `mqtt://${bracketed}:${ports.mqtt}`,
    wsUrl: `ws://${bracketed}:${ports.ws}/mqtt`,
    tlsPort: ports.tls,
    httpUrl: `http://${bracketed}:${ports.http}`,
    get pid() { return child.pid; },
    exited: child.exited,
    logs: () => child.output(),
    waitForLog: (pattern, timeoutMs) => child.waitForOutput(pattern, timeoutMs),
    stop: async ({ signal = 'SIGTERM', timeoutMs = 10000 } = {}) => {
      try { return (await child.stop(signal, timeoutMs)).code; } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    },
    kill: async () => { await child.kill(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
  if (options.waitReady === false) return handle;
  try {
    await child.waitWhileRunning(async () => (await httpStatus(`${handle.httpUrl}/readyz`)) === 200, { timeoutMs: options.readyTimeoutMs ?? 15000, what: `${name} /readyz` });
  } catch (err) {
    await handle.kill();
    throw new Error(`broker ${name} did not become ready: ${(err as Error).message}\n--- output ---\n${child.output().slice(-4000)}`, { cause: err });
  }
  return handle;
}

/** The configuration with auth.usersFile / auth.aclFile pointing at files written in `dir`. */
function withAuthFiles(options: StartBrokerOptions, dir: string): Record<string, unknown> | undefined {
  if (!options.users && !options.acl) return options.config;
  const config = { ...options.config };
  const auth = { ...(config['auth'] as Record<string, unknown> | undefined) };
  if (options.users) auth['usersFile'] = writeMeshmqUsersFile(dir, options.users);
  if (options.acl) auth['aclFile'] = writeMeshmqAclFile(dir, options.acl);
  config['auth'] = auth;
  return config;
}

/** Status code of a GET, or 0 when nothing answers. */
export async function httpStatus(url: string): Promise<number> {
  return await new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
  });
}
