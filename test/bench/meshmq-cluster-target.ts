// meshmq as a 3-node cluster for the benchmark (issue 3): three broker processes on their own
// 127.0.8.x addresses with the same ports, meshed through static seeds; publishers connect to
// node A, subscribers to node B, node C idles in the mesh. Same limits as the single node.
// CPU placement: by default every node on the brokers' CPU set, like the single node (the same
// CPU budget); MESHMQ_BENCH_CLUSTER_CPUS="0,1,0" pins node A, B, C each to its own set instead.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import type { BrokerTarget, RunningBroker, StartOptions } from './broker-target.js';
import { buildMeshmqBenchConfig, createMeshmqTarget } from './meshmq-target.js';
import { PinnedProcess, waitForPort } from './pinned-process.js';

const HOSTS = ['127.0.8.10', '127.0.8.11', '127.0.8.12'] as const;
const COOKIE = 'bench-cluster-cookie-0123456789';
const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.resolve(here, '../../broker/main.js');

/** Ready = joined the cluster (every peer connected, routes and retained synced). */
async function isReady(host: string, httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${httpPort}/readyz`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Each node's CPU set: `perNode` (comma-separated, one per node, from MESHMQ_BENCH_CLUSTER_CPUS) or the brokers' set. */
export function clusterNodeCpus(brokerCpus: string | undefined, perNode: string | undefined): Array<string | undefined> {
  if (brokerCpus === undefined || perNode === undefined || perNode.trim() === '') return HOSTS.map(() => brokerCpus);
  const sets = perNode.split(',').map((c) => c.trim());
  if (sets.length !== HOSTS.length || sets.some((c) => !/^\d+(-\d+)?$/.test(c))) throw new Error(`MESHMQ_BENCH_CLUSTER_CPUS must list ${HOSTS.length} CPU numbers, got "${perNode}"`);
  return sets;
}

export function createMeshmqClusterTarget(): BrokerTarget {
  const single = createMeshmqTarget();
  return {
    name: 'meshmq-cluster',
    version: () => single.version(),
    unavailableReason: () => single.unavailableReason(),
    async start(options: StartOptions): Promise<RunningBroker> {
      const [mqttPort, httpPort, clusterPort] = await freePorts(3, HOSTS[0]) as [number, number, number];
      const dir = await mkdtemp(path.join(os.tmpdir(), 'meshmq-bench-cluster-'));
      const configFile = path.join(dir, 'meshmq.json');
      await writeFile(configFile, JSON.stringify(buildMeshmqBenchConfig(mqttPort, httpPort)));
      const seeds = HOSTS.map((h) => `${h}:${clusterPort}`).join(',');
      const cpus = clusterNodeCpus(options.cpus, process.env['MESHMQ_BENCH_CLUSTER_CPUS']);
      const nodes = HOSTS.map((host, i) => {
        const name = `bench-${'abc'[i]}`;
        const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=meshmq-cluster-${options.scenario}-${name}-${Date.now()}.cpuprofile`];
        return new PinnedProcess({
          name, command: process.execPath, args: [...profile, MAIN], cpus: cpus[i],
          env: {
            ...process.env, MESHMQ_CONFIG: configFile, MESHMQ_BIND: host, MESHMQ_MQTT_PORT: String(mqttPort), MESHMQ_HTTP_PORT: String(httpPort),
            MESHMQ_CLUSTER_PORT: String(clusterPort), MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: seeds,
            MESHMQ_CLUSTER_COOKIE: COOKIE, MESHMQ_LOG_LEVEL: 'warn', MESHMQ_NODE_NAME: name,
          },
        });
      });
      const stop = async (): Promise<void> => {
        await Promise.all(nodes.map((n) => n.stop()));
        await rm(dir, { recursive: true, force: true });
      };
      try {
        await Promise.all(nodes.map((n, i) => waitForPort({ host: HOSTS[i]!, port: mqttPort }, n)));
        await waitFor(async () => (await Promise.all(HOSTS.map((h) => isReady(h, httpPort)))).every(Boolean), { what: 'the 3 nodes joined', timeoutMs: 20000, intervalMs: 50 });
      } catch (err) {
        await stop();
        throw err;
      }
      return {
        publishEndpoint: { host: HOSTS[0], port: mqttPort },
        subscribeEndpoint: { host: HOSTS[1], port: mqttPort },
        pids: nodes.map((n) => n.pid),
        stop,
      };
    },
  };
}
