// A cluster of real broker processes for tests: each node on its own 127.a.b.N address with the
// same ports (as pods have), found through a DNS server the test runs; nodes can be added,
// stopped, killed and removed from DNS. Fast membership timings keep the tests short.
import { clusterViewSchema, type ClusterView } from '../../broker/contract/cluster-view.js';
import { routeListSchema, type RouteList } from '../../broker/contract/cluster-api.js';
import { allocatePorts, startMeshmq, type BrokerHandle, type BrokerPorts } from '../support/broker-process.js';
import { DnsServer } from '../support/dns-server.js';
import { httpJson } from '../support/http-client.js';
import { waitFor } from '../support/wait.js';

export const TEST_COOKIE = 'cluster-test-cookie-0123456789';

export interface ClusterOptions {
  /** First three octets of the nodes' addresses, e.g. '127.0.5'; a test file uses its own. */
  readonly subnet: string;
  readonly size: number;
  /** Extra MESHMQ_* variables for every node. */
  readonly env?: Record<string, string>;
}

export class TestCluster {
  readonly dns: DnsServer;
  readonly dnsName: string;
  readonly ports: BrokerPorts;
  readonly #subnet: string;
  readonly #env: Record<string, string>;
  /** Running nodes by index (the index is the last octet - 10 and the name suffix). */
  readonly nodes = new Map<number, BrokerHandle>();

  private constructor(dns: DnsServer, ports: BrokerPorts, options: ClusterOptions) {
    this.dns = dns;
    this.ports = ports;
    this.#subnet = options.subnet;
    this.#env = options.env ?? {};
    this.dnsName = `mq-headless.${options.subnet.replaceAll('.', '-')}.svc.cluster.local`;
  }

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const dns = await DnsServer.start();
    const ports = await allocatePorts(`${options.subnet}.10`);
    const cluster = new TestCluster(dns, ports, options);
    try {
      const indexes = Array.from({ length: options.size }, (_, i) => i);
      dns.set(cluster.dnsName, indexes.map((i) => cluster.host(i)));
      await Promise.all(indexes.map((i) => cluster.startNode(i, { addToDns: false })));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  host(index: number): string { return `${this.#subnet}.${10 + index}`; }
  nodeName(index: number): string { return `mq-${index}`; }

  node(index: number): BrokerHandle {
    const n = this.nodes.get(index);
    if (!n) throw new Error(`node ${index} is not running`);
    return n;
  }

  url(index: number): string { return this.node(index).mqttUrl; }

  /** Starts node `index` (added to DNS first unless told otherwise) and waits until it is ready (joined). */
  async startNode(index: number, options: { addToDns?: boolean; env?: Record<string, string>; waitReady?: boolean } = {}): Promise<BrokerHandle> {
    if (options.addToDns !== false) this.#setDns([...this.dns.lookup(this.dnsName).filter((h) => h !== this.host(index)), this.host(index)]);
    const handle = await startMeshmq({
      name: this.nodeName(index), host: this.host(index), ports: this.ports, readyTimeoutMs: 20000,
      ...(options.waitReady === false ? { waitReady: false } : {}),
      env: {
        MESHMQ_CLUSTER_DISCOVERY: 'dns', MESHMQ_CLUSTER_DNS_NAME: this.dnsName, MESHMQ_CLUSTER_DNS_SERVER: this.dns.address,
        MESHMQ_CLUSTER_DNS_INTERVAL_MS: '200', MESHMQ_CLUSTER_HEARTBEAT_MS: '100', MESHMQ_CLUSTER_SUSPECT_AFTER_MS: '600',
        MESHMQ_CLUSTER_DOWN_AFTER_MS: '1500', MESHMQ_CLUSTER_COOKIE: TEST_COOKIE, MESHMQ_SYS_INTERVAL_MS: '0',
        MESHMQ_WS_ENABLED: 'false', ...this.#env, ...options.env,
      },
    });
    this.nodes.set(index, handle);
    return handle;
  }

  removeFromDns(index: number): void { this.#setDns(this.dns.lookup(this.dnsName).filter((h) => h !== this.host(index))); }

  /** Graceful stop (SIGTERM: the node leaves), removed from DNS first as a scaled-down pod is. */
  async stopNode(index: number): Promise<number | null> {
    this.removeFromDns(index);
    const code = await this.node(index).stop();
    this.nodes.delete(index);
    return code;
  }

  /** kill -9: no leave, the peers must notice by themselves. Stays in DNS, as a crashed pod does. */
  async killNode(index: number): Promise<void> {
    await this.node(index).kill();
    this.nodes.delete(index);
  }

  async view(index: number): Promise<ClusterView> {
    const { status, json } = await httpJson(`${this.node(index).httpUrl}/api/v1/cluster`);
    if (status !== 200) throw new Error(`${this.nodeName(index)}: GET /api/v1/cluster answered ${status}`);
    return clusterViewSchema.parse(json);
  }

  async routes(index: number): Promise<RouteList> {
    const { status, json } = await httpJson(`${this.node(index).httpUrl}/api/v1/routes?limit=10000`);
    if (status !== 200) throw new Error(`${this.nodeName(index)}: GET /api/v1/routes answered ${status}`);
    return routeListSchema.parse(json);
  }

  /** The state `index` sees `other` in, or undefined when `other` is not in its view. */
  async stateOf(index: number, other: number): Promise<string | undefined> {
    return (await this.view(index)).nodes.find((n) => n.node === this.nodeName(other))?.state;
  }

  /** Every running node sees every other running node up. */
  async waitFullMesh(timeoutMs = 20000): Promise<void> {
    const running = [...this.nodes.keys()];
    await waitFor(async () => {
      for (const i of running) {
        const up = new Set((await this.view(i)).nodes.filter((n) => n.state === 'up').map((n) => n.node));
        if (!running.every((j) => up.has(this.nodeName(j)))) return false;
      }
      return true;
    }, { what: `full mesh of ${running.length}`, timeoutMs, intervalMs: 100 });
  }

  /** Node `index` has a route to `filter` owned by every node in `owners`. */
  async waitRoute(index: number, filter: string, owners: number[], timeoutMs = 10000): Promise<void> {
    await waitFor(async () => {
      const entry = (await this.routes(index)).routes.find((r) => r.filter === filter);
      return owners.every((o) => entry?.nodes.includes(this.nodeName(o)));
    }, { what: `route ${filter} on ${this.nodeName(index)}`, timeoutMs, intervalMs: 50 });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.nodes.values()].map((n) => n.kill()));
    this.nodes.clear();
    await this.dns.close();
  }

  #setDns(hosts: string[]): void { this.dns.set(this.dnsName, hosts); }
}
