// Mosquitto as a reference broker for the conformance suite (MESHMQ_CONFORMANCE_TARGET=mosquitto):
// translates the subset of meshmq configuration keys that mosquitto has an equivalent for,
// so a test's own logic can be checked against a broker known to be correct.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { allocatePorts, retryOnPortClash, type BrokerHandle, type StartBrokerOptions } from './broker-process.js';
import { SpawnedProcess } from './spawned-process.js';
import { writeMosquittoPasswordFile } from './auth-files.js';

type Json = Record<string, unknown>;

const section = (config: Json | undefined, key: string): Json => (config?.[key] as Json | undefined) ?? {};

/** Mosquitto configuration lines equivalent to a meshmq configuration (where one exists). */
export function buildMosquittoConf(config: Json | undefined, host: string, ports: { mqtt: number; tls: number }, persistenceDir: string): string {
  const limits = section(config, 'limits');
  const auth = section(config, 'auth');
  const tls = section(section(config, 'listeners'), 'tls');
  const anonymous = auth['allowAnonymous'] ?? true;
  const lines = [
    'per_listener_settings false',
    // Started as root, mosquitto would drop to its own user, which cannot read the temp dir.
    'user root',
    `allow_anonymous ${anonymous === false ? 'false' : 'true'}`,
    `persistence_location ${persistenceDir}/`,
    'log_dest stdout',
    'log_type all',
    `max_queued_messages ${String(limits['maxQueuedMessages'] ?? 1000)}`,
    `sys_interval ${Math.max(1, Math.round(Number(section(config, 'sys')['intervalMs'] ?? 10000) / 1000))}`,
  ];
  if (limits['maxPacketSize'] !== undefined) lines.push(`max_packet_size ${String(limits['maxPacketSize'])}`);
  if (limits['maxKeepAlive'] !== undefined && limits['maxKeepAlive'] !== 0) lines.push(`max_keepalive ${String(limits['maxKeepAlive'])}`);
  if (limits['receiveMaximum'] !== undefined) lines.push(`max_inflight_messages ${String(limits['receiveMaximum'])}`);
  lines.push(`listener ${ports.mqtt} ${host}`);
  // A listener option: it must follow the listener line.
  if (limits['topicAliasMaximum'] !== undefined) lines.push(`max_topic_alias ${String(limits['topicAliasMaximum'])}`);
  if (typeof tls['certFile'] === 'string') {
    lines.push(`listener ${ports.tls} ${host}`, `certfile ${tls['certFile']}`, `keyfile ${String(tls['keyFile'])}`);
    if (typeof tls['caFile'] === 'string') lines.push(`cafile ${tls['caFile']}`);
    if (tls['requestCert'] === true) lines.push(`require_certificate ${tls['rejectUnauthorized'] === false ? 'false' : 'true'}`);
  }
  return lines.join('\n') + '\n';
}

export async function startMosquitto(options: StartBrokerOptions = {}): Promise<BrokerHandle> {
  return await retryOnPortClash(options, () => startMosquittoOnce(options));
}

async function startMosquittoOnce(options: StartBrokerOptions): Promise<BrokerHandle> {
  const host = options.host ?? '127.0.0.1';
  const ports = await allocatePorts(host, options.ports);
  const name = options.name ?? `mosquitto-test-${randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mosquitto-broker-'));
  const confFile = path.join(dir, 'mosquitto.conf');
  let conf = buildMosquittoConf(options.config, host, ports, dir);
  if (options.users) conf = `password_file ${writeMosquittoPasswordFile(dir, options.users)}\n${conf}`;
  if (options.acl) throw new Error('ACL rules are not translated to mosquitto; run this test against meshmq');
  fs.writeFileSync(confFile, conf);
  const child = new SpawnedProcess({ command: 'mosquitto', args: ['-c', confFile], name });
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const handle: BrokerHandle = {
    kind: 'mosquitto', name, host, ports,
    mqttUrl: `mqtt://${host}:${ports.mqtt}`,
    wsUrl: `ws://${host}:${ports.ws}/mqtt`,
    tlsPort: ports.tls,
    httpUrl: `http://${host}:${ports.http}`,
    get pid() { return child.pid; },
    exited: child.exited,
    logs: () => child.output(),
    waitForLog: (pattern, timeoutMs) => child.waitForOutput(pattern, timeoutMs),
    stop: async ({ signal = 'SIGTERM', timeoutMs = 10000 } = {}) => {
      try { return (await child.stop(signal, timeoutMs)).code; } finally { remove(); }
    },
    kill: async () => { await child.kill(); remove(); },
  };
  try {
    await child.waitWhileRunning(async () => await canConnect(host, ports.mqtt), { timeoutMs: options.readyTimeoutMs ?? 10000, what: `${name} to listen` });
  } catch (err) {
    await handle.kill();
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${child.output().slice(-4000)}`, { cause: err });
  }
  return handle;
}

async function canConnect(host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect(port, host, () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
