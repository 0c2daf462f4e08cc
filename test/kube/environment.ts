// The emulated Kubernetes cluster in one call: the API server, and behind it the StatefulSet,
// Deployment, ReplicaSet and endpoints controllers, the kubelet (pods as processes), cluster DNS,
// and the pod network (loopback addresses, or as root network namespaces that can be partitioned).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../../broker/contract/logger.js';
import { DnsServer } from '../support/dns-server.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './apiserver/api-server.js';
import { DeploymentController } from './controllers/deployment-controller.js';
import { EndpointsController } from './controllers/endpoints-controller.js';
import { ReplicaSetController } from './controllers/replicaset-controller.js';
import { StatefulSetController } from './controllers/statefulset-controller.js';
import { DnsController } from './dns/dns-controller.js';
import type { Backoff } from './kubelet/container-state.js';
import type { ImageMap } from './kubelet/image-map.js';
import { Kubelet } from './kubelet/kubelet.js';
import { PodLogFiles } from './kubelet/pod-log-files.js';
import { LoopbackNetwork } from './network/loopback-network.js';
import { NetnsNetwork } from './network/netns-network.js';
import type { PodNetwork } from './network/pod-network.js';

export interface KubeEnvironmentOptions {
  /** Pods in network namespaces on a bridge (needs root); partitions work only then. Default false. */
  root?: boolean;
  logger?: Logger;
  /** Options for the API server (host, port, tls, tokens...). */
  api?: ApiServerOptions;
  /** Pod directories and logs; a fresh temp dir (removed on close) when absent. */
  dataDir?: string;
  imageMap?: ImageMap;
  /** Multiplies every duration pods declare (probe periods, grace periods). Default 1 (real time). */
  timeScale?: number;
  /** Crash-loop backoff. Default 1 s doubling to 10 s (the real kubelet's 10 s..5 min would slow tests down). */
  backoff?: Backoff;
  /** Cluster domain. Default cluster.local. */
  domain?: string;
}

export interface KubeEnvironment {
  readonly api: ApiServer;
  /** A KubeConfig for @kubernetes/client-node, as an operator in the cluster would get. */
  readonly kubeConfig: KubeConfig;
  readonly dns: DnsServer;
  readonly network: PodNetwork;
  readonly kubelet: Kubelet;
  readonly dataDir: string;
  /** Cuts traffic between two groups of pods (names or `ns/name`); needs { root: true }. */
  partition(groupA: readonly string[], groupB: readonly string[]): Promise<void>;
  heal(): Promise<void>;
  /** The IP of a running pod (`name` or `ns/name`; namespace `default` when bare). */
  podAddress(name: string): string | undefined;
  /** Where a container's stdout/stderr goes. */
  podLogFile(name: string, container: string): string | undefined;
  close(): Promise<void>;
}

export async function startKubeEnvironment(options: KubeEnvironmentOptions = {}): Promise<KubeEnvironment> {
  const logger = options.logger ?? silentLogger;
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'the kube environment did not close cleanly');
  };
  try {
    const dataDir = options.dataDir ?? await mkdtemp(path.join(os.tmpdir(), 'kube-env-'));
    if (!options.dataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const network: PodNetwork = options.root
      ? await NetnsNetwork.start({ logger: logger.child({ component: 'pod-network' }) })
      : await LoopbackNetwork.start();
    cleanups.push(() => network.close());
    // The cluster DNS listens on the node address, which pods reach from their namespaces too.
    const dns = await DnsServer.start({ host: network.hostAddress });
    cleanups.push(() => dns.close());
    // The API server reads pod logs from the node's files, as the real one asks the pod's kubelet.
    const podLogs = new PodLogFiles(path.join(dataDir, 'logs'));
    // As root the apiserver listens on the node's bridge address, which pods reach from their
    // namespaces (in-cluster clients find it through KUBERNETES_SERVICE_HOST); the host reaches it too.
    const api = await startApiServer({ logger, podLogs, ...(options.root ? { host: network.hostAddress } : {}), ...options.api });
    cleanups.push(() => api.close());
    const kubeConfig = api.kubeConfig();
    const dnsController = await DnsController.start({ kubeConfig, dns, logger, ...(options.domain ? { domain: options.domain } : {}) });
    cleanups.push(() => dnsController.close());
    const kubelet = await Kubelet.start({
      kubeConfig, network, dataDir, logger,
      ...(options.imageMap ? { imageMap: options.imageMap } : {}),
      nodeEnv: { MESHMQ_CLUSTER_DNS_SERVER: dns.address },
      timeScale: options.timeScale ?? 1,
      backoff: options.backoff ?? { initialMs: 1000, maxMs: 10_000 },
    });
    cleanups.push(() => kubelet.close());
    const statefulSets = await StatefulSetController.start({ kubeConfig, logger });
    cleanups.push(() => statefulSets.close());
    const deployments = await DeploymentController.start({ kubeConfig, logger });
    cleanups.push(() => deployments.close());
    const replicaSets = await ReplicaSetController.start({ kubeConfig, logger });
    cleanups.push(() => replicaSets.close());
    const endpoints = await EndpointsController.start({ kubeConfig, logger });
    cleanups.push(() => endpoints.close());
    const podKey = (name: string): string => (name.includes('/') ? name : `default/${name}`);
    return {
      api, kubeConfig, dns, network, kubelet, dataDir, close,
      partition: (a, b) => network.partition(a, b),
      heal: () => network.heal(),
      podAddress: (name) => kubelet.worker(podKey(name))?.podIp,
      podLogFile: (name, container) => kubelet.worker(podKey(name))?.logFile(container),
    };
  } catch (err) {
    await close().catch((closeErr: unknown) => logger.error('cleanup after a failed start failed', { err: closeErr }));
    throw new Error('cannot start the kube environment', { cause: err });
  }
}
