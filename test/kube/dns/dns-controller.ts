// Cluster DNS (CoreDNS' kubernetes plugin): watches Services and Pods through the API and keeps
// the DNS server's records equal to buildDnsRecords(services, pods), following pods as they come and go.
import { CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import type { DnsServer } from '../../support/dns-server.js';
import { WatchedCache } from '../controllers/watched-cache.js';
import { buildDnsRecords, diffDnsRecords, type DnsRecords } from './dns-records.js';

export interface DnsControllerOptions {
  kubeConfig: KubeConfig;
  dns: DnsServer;
  logger: Logger;
  domain?: string;
}

export class DnsController {
  readonly #o: DnsControllerOptions;
  readonly #logger: Logger;
  #services: WatchedCache<V1Service> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;
  #records: DnsRecords = new Map();
  #scheduled = false;
  #closed = false;

  private constructor(options: DnsControllerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'cluster-dns' });
  }

  static async start(options: DnsControllerOptions): Promise<DnsController> {
    const controller = new DnsController(options);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const onChange = (): void => controller.#schedule();
    controller.#services = await WatchedCache.start<V1Service>({ kubeConfig: options.kubeConfig, logger: controller.#logger, path: '/api/v1/services', list: () => core.listServiceForAllNamespaces(), onChange });
    controller.#pods = await WatchedCache.start<V1Pod>({ kubeConfig: options.kubeConfig, logger: controller.#logger, path: '/api/v1/pods', list: () => core.listPodForAllNamespaces(), onChange });
    controller.#refresh();
    return controller;
  }

  /** The records served now (name -> IPs). */
  get records(): ReadonlyMap<string, readonly string[]> { return this.#records; }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#services?.close();
    await this.#pods?.close();
  }

  /** Coalesces a burst of watch events into one recomputation. */
  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => { this.#scheduled = false; if (!this.#closed) this.#refresh(); });
  }

  #refresh(): void {
    const next = buildDnsRecords(this.#services?.list() ?? [], this.#pods?.list() ?? [], this.#o.domain);
    const { set, remove } = diffDnsRecords(this.#records, next);
    for (const [name, ips] of set) this.#o.dns.set(name, ips);
    for (const name of remove) this.#o.dns.delete(name);
    if (set.length + remove.length > 0) this.#logger.debug('dns records changed', { set: set.map(([n, ips]) => `${n}=${ips.join(',')}`), remove });
    this.#records = next;
  }
}
