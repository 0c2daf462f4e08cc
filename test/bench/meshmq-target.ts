// meshmq as a benchmark target: the built broker (`dist/broker/main.js`), one node, bound to
// loopback, WebSocket off, limits raised as a user sizing it for this load would.
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ConfigInput } from '../../broker/config/schema.js';
import { freePorts } from '../support/net.js';
import type { BrokerTarget, RunningBroker, StartOptions } from './broker-target.js';
import { PinnedProcess, runningSingleProcess } from './pinned-process.js';

const HOST = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/bench -> dist/broker/main.js */
const MAIN = path.resolve(here, '../../broker/main.js');
const PACKAGE_JSON = path.resolve(here, '../../../package.json');

/** The configuration a user would write for a benchmark: big windows and queues, quiet logs. */
export function buildMeshmqBenchConfig(mqttPort: number, httpPort: number): ConfigInput {
  return {
    bind: HOST,
    listeners: { mqtt: { port: mqttPort }, ws: { enabled: false }, http: { port: httpPort } },
    limits: { receiveMaximum: 1000, maxInflight: 1000, maxQueuedMessages: 100000, maxOutputBufferBytes: 64 * 1024 * 1024 },
    log: { level: 'warn' },
  };
}

/** `store: 'redis'`: the same broker on the bench's Redis (issue 9), as target meshmq-redis. */
export function createMeshmqTarget(options: { store?: 'memory' | 'redis' } = {}): BrokerTarget {
  const redis = options.store === 'redis';
  return {
    name: redis ? 'meshmq-redis' : 'meshmq',
    needsRedis: redis,
    async version() {
      const pkg = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version?: string };
      const sha = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.dirname(PACKAGE_JSON) })
        .then((r) => r.stdout.trim(), () => 'unknown');
      return `${pkg.version ?? '?'} (${sha})`;
    },
    async unavailableReason() {
      return await access(MAIN).then(() => undefined, () => `${MAIN} is not built (npm run build)`);
    },
    async start(options: StartOptions): Promise<RunningBroker> {
      const [mqttPort, httpPort] = await freePorts(2, HOST) as [number, number];
      const dir = await mkdtemp(path.join(os.tmpdir(), 'meshmq-bench-'));
      const configFile = path.join(dir, 'meshmq.json');
      await writeFile(configFile, JSON.stringify(buildMeshmqBenchConfig(mqttPort, httpPort)));
      if (redis && options.redis === undefined) throw new Error('meshmq-redis needs the bench\'s Redis');
      const store = redis ? { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: `redis://${options.redis!.host}:${options.redis!.port}` } : {};
      const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${redis ? 'meshmq-redis' : 'meshmq'}-${options.scenario}-${Date.now()}.cpuprofile`];
      const broker = new PinnedProcess({
        name: 'meshmq', command: process.execPath, args: [...profile, MAIN], cpus: options.cpus,
        env: {
          ...process.env, MESHMQ_CONFIG: configFile, MESHMQ_BIND: HOST, MESHMQ_MQTT_PORT: String(mqttPort),
          MESHMQ_HTTP_PORT: String(httpPort), MESHMQ_LOG_LEVEL: 'warn', MESHMQ_NODE_NAME: 'bench', ...store,
        },
      });
      return await runningSingleProcess(broker, { host: HOST, port: mqttPort }, () => rm(dir, { recursive: true, force: true }));
    },
  };
}
