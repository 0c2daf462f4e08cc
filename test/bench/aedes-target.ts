// Aedes as a benchmark target: our aedes-server.js (Aedes' README setup) in its own process.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/net.js';
import type { BrokerTarget, RunningBroker, StartOptions } from './broker-target.js';
import { PinnedProcess, runningSingleProcess } from './pinned-process.js';

const HOST = '127.0.0.1';
const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'aedes-server.js');

/** `store: 'redis'`: Aedes with aedes-persistence-redis on the bench's Redis, as target aedes-redis. */
export function createAedesTarget(options: { store?: 'memory' | 'redis' } = {}): BrokerTarget {
  const redis = options.store === 'redis';
  return {
    name: redis ? 'aedes-redis' : 'aedes',
    needsRedis: redis,
    async version() {
      // aedes' exports map hides package.json; find it from the resolved entry point.
      const entry = createRequire(import.meta.url).resolve('aedes');
      const pkg = JSON.parse(await readFile(path.join(path.dirname(entry), 'package.json'), 'utf8')) as { version?: string };
      return pkg.version ?? '?';
    },
    async unavailableReason() {
      try {
        createRequire(import.meta.url).resolve('aedes');
        if (redis) createRequire(import.meta.url).resolve('aedes-persistence-redis');
        return undefined;
      } catch (err) {
        return `aedes is not installed (${(err as Error).message})`;
      }
    },
    async start(options: StartOptions): Promise<RunningBroker> {
      const port = await freePort(HOST);
      const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=aedes-${options.scenario}-${Date.now()}.cpuprofile`];
      const store = redis && options.redis !== undefined ? [`${options.redis.host}:${options.redis.port}`] : [];
      if (redis && store.length === 0) throw new Error('aedes-redis needs the bench\'s Redis');
      const broker = new PinnedProcess({ name: redis ? 'aedes-redis' : 'aedes', command: process.execPath, args: [...profile, SERVER, String(port), HOST, ...store], cpus: options.cpus });
      return await runningSingleProcess(broker, { host: HOST, port });
    },
  };
}
