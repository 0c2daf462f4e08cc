// A real Redis Cluster for tests: N `redis-server --cluster-enabled yes` processes on free loopback
// ports joined by `redis-cli --cluster create` (masters only), ready once every node reports
// cluster_state:ok.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hasCommand, type Requirement } from './requirements.js';
import { RedisServer } from './redis-server.js';
import { waitFor } from './wait.js';

export function hasRedisCli(): Requirement {
  return hasCommand('redis-cli', ['--version']);
}

export class RedisCluster {
  readonly servers: readonly RedisServer[];

  private constructor(servers: RedisServer[]) { this.servers = servers; }

  static async start(masters = 3): Promise<RedisCluster> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        servers.push(await RedisServer.start({
          name: `redis-cluster-${i}`,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
        }));
      }
      await promisify(execFile)('redis-cli', ['--cluster', 'create', ...servers.map((s) => s.address), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30000 });
      const cluster = new RedisCluster(servers);
      await cluster.waitHealthy();
      return cluster;
    } catch (err) {
      await Promise.allSettled(servers.map((s) => s.stop()));
      throw err;
    }
  }

  /** host:port of every node, as MESHMQ_REDIS_CLUSTER_NODES takes them. */
  get nodes(): string[] { return this.servers.map((s) => s.address); }

  async waitHealthy(timeoutMs = 20000): Promise<void> {
    await waitFor(async () => {
      for (const s of this.servers) {
        const info = String(await s.admin().call('CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok')) return false;
      }
      return true;
    }, { timeoutMs, intervalMs: 100, what: 'Redis Cluster state ok on every node' });
  }

  /** Keys matching `pattern` on every master together (SCAN on each: tests only). */
  async keys(pattern: string): Promise<string[]> {
    const out: string[] = [];
    for (const s of this.servers) out.push(...await s.admin().keys(pattern));
    return out.sort();
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.servers.map((s) => s.stop()));
  }
}
