// Mosquitto (Debian's binary) as a benchmark target, from a generated configuration with the
// queue and inflight limits raised, as its documentation asks for sustained QoS1 load.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/net.js';
import type { BrokerTarget, RunningBroker, StartOptions } from './broker-target.js';
import { PinnedProcess, runningSingleProcess } from './pinned-process.js';

const HOST = '127.0.0.1';

export function buildMosquittoConfig(port: number): string {
  return [
    `listener ${port} ${HOST}`,
    'allow_anonymous true',
    'persistence false',
    'max_inflight_messages 1000',
    'max_queued_messages 100000',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n');
}

/** `mosquitto -h` prints "mosquitto version X" and exits non-zero; undefined when absent. */
async function readMosquittoVersion(): Promise<string | undefined> {
  const result = await promisify(execFile)('mosquitto', ['-h']).then(
    (r) => r.stdout,
    (err: { stdout?: string; code?: unknown }) => (err.code === 'ENOENT' ? undefined : err.stdout ?? ''),
  );
  if (result === undefined) return undefined;
  return /mosquitto version (\S+)/.exec(result)?.[1] ?? 'unknown';
}

export function createMosquittoTarget(): BrokerTarget {
  return {
    name: 'mosquitto',
    async version() {
      return (await readMosquittoVersion()) ?? 'not installed';
    },
    async unavailableReason() {
      return (await readMosquittoVersion()) === undefined ? 'mosquitto is not installed (apt-get install mosquitto)' : undefined;
    },
    async start(options: StartOptions): Promise<RunningBroker> {
      const port = await freePort(HOST);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mosquitto-bench-'));
      const configFile = path.join(dir, 'mosquitto.conf');
      await writeFile(configFile, buildMosquittoConfig(port));
      const broker = new PinnedProcess({ name: 'mosquitto', command: 'mosquitto', args: ['-c', configFile], cpus: options.cpus });
      return await runningSingleProcess(broker, { host: HOST, port }, () => rm(dir, { recursive: true, force: true }));
    },
  };
}
