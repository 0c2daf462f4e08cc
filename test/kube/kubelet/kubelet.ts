// The node agent: watches pods through the API, binds unscheduled ones to this node (standing in
// for the scheduler), runs each as a PodWorker, reports pod status, and finishes graceful deletions.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ConfigMap, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import type { PodNetwork } from '../network/pod-network.js';
import { ignoreStatus } from '../controllers/api-errors.js';
import { createEventRecorder, type EventRecorder } from '../controllers/event-recorder.js';
import { WatchedCache } from '../controllers/watched-cache.js';
import { WorkQueue } from '../controllers/work-queue.js';
import type { Backoff } from './container-state.js';
import { defaultImageMap, type ImageMap } from './image-map.js';
import type { EnvSources } from './pod-env.js';
import { PodWorker, type ReferencedSources } from './pod-worker.js';
import { prepareServiceAccountMountPoint, tokenKey } from './service-account-token.js';

/**
 * The `kubernetes` Service's variables every container gets [kubelet getServiceEnvVarMap]. Nothing
 * routes ClusterIPs on this node (no kube-proxy), so they name the address the Service's Endpoints
 * hold, the apiserver itself, instead of 10.96.0.1:443.
 */
export function apiServiceEnv(server: string): Record<string, string> {
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port, KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${hostPart}:${port}`, [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${hostPart}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp', [`KUBERNETES_PORT_${port}_TCP_PORT`]: port, [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

export interface KubeletOptions {
  kubeConfig: KubeConfig;
  network: PodNetwork;
  /** Pod directories and logs go under here. */
  dataDir: string;
  logger: Logger;
  nodeName?: string;
  imageMap?: ImageMap;
  /**
   * Variables every container gets before its own env: the node's resolver
   * (`MESHMQ_CLUSTER_DNS_SERVER`, which a real node gives through /etc/resolv.conf instead).
   */
  nodeEnv?: Readonly<Record<string, string>>;
  /** Multiplies durations pods declare (probe periods, grace periods); 1 is real time. */
  timeScale?: number;
  /** Crash-loop backoff; the real kubelet's is 10 s doubling to 5 min. */
  backoff?: Backoff;
}

interface Entry { uid: string; worker: PodWorker }

export class Kubelet {
  readonly nodeName: string;
  readonly #o: KubeletOptions;
  readonly #core: CoreV1Api;
  readonly #logger: Logger;
  readonly #workers = new Map<string, Entry>();
  readonly #lastStatus = new Map<string, string>();
  readonly #queue: WorkQueue;
  readonly #statusQueue: WorkQueue;
  readonly #terminations = new Set<Promise<void>>();
  readonly #events: EventRecorder;
  /** The kubelet binds pods itself, so it also records what the scheduler would. */
  readonly #schedulerEvents: EventRecorder;
  #pods: WatchedCache<V1Pod> | undefined;
  #closed = false;

  private constructor(options: KubeletOptions) {
    this.#o = options;
    this.nodeName = options.nodeName ?? 'kube-emulator-node';
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#logger = options.logger.child({ component: 'kubelet', node: this.nodeName });
    this.#queue = new WorkQueue((key) => this.#sync(key), this.#logger);
    this.#statusQueue = new WorkQueue((key) => this.#writeStatus(key), this.#logger, 200);
    this.#events = createEventRecorder(options.kubeConfig, { component: 'kubelet', host: this.nodeName }, this.#logger);
    this.#schedulerEvents = createEventRecorder(options.kubeConfig, { component: 'default-scheduler' }, this.#logger);
  }

  static async start(options: KubeletOptions): Promise<Kubelet> {
    const kubelet = new Kubelet(options);
    await mkdir(path.join(options.dataDir, 'pods'), { recursive: true });
    await mkdir(path.join(options.dataDir, 'logs'), { recursive: true });
    if (options.network.kind === 'netns') await prepareServiceAccountMountPoint();
    kubelet.#pods = await WatchedCache.start<V1Pod>({
      kubeConfig: options.kubeConfig, logger: kubelet.#logger, path: '/api/v1/pods',
      list: () => kubelet.#core.listPodForAllNamespaces(),
      onChange: (pod) => kubelet.#queue.add(keyOf(pod)),
    });
    for (const pod of kubelet.#pods.list()) kubelet.#queue.add(keyOf(pod));
    return kubelet;
  }

  /** The worker of a pod (`namespace/name`) running here, for its IP and log files. */
  worker(podKey: string): PodWorker | undefined { return this.#workers.get(podKey)?.worker; }

  /** Stops every pod at once (SIGKILL after no grace): the node goes away. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pods?.close();
    await this.#queue.close();
    await this.#statusQueue.close();
    await Promise.all([...this.#workers.values()].map((e) => e.worker.close()));
    this.#workers.clear();
    await Promise.allSettled([...this.#terminations]);
  }

  async #sync(key: string): Promise<void> {
    if (this.#closed) return;
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.#pods?.get(name, namespace);
    let entry = this.#workers.get(key);
    if (entry && (!pod || pod.metadata?.uid !== entry.uid)) {
      // The pod object is gone (or replaced by a new one of the same name): its processes go too.
      if (!entry.worker.terminating) this.#logger.info('pod removed from the API, killing it', { pod: key });
      this.#workers.delete(key);
      this.#lastStatus.delete(key);
      await entry.worker.close();
      entry = undefined;
    }
    if (!pod) return;
    if (pod.spec?.nodeName && pod.spec.nodeName !== this.nodeName) return;
    if (pod.metadata?.deletionTimestamp) {
      if (entry) {
        if (!entry.worker.terminating) this.#track(this.#terminate(key, pod, entry));
      } else {
        await this.#forceDelete(pod);
      }
      return;
    }
    if (entry || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const podRef = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} };
    if (!pod.spec?.nodeName) {
      const bound = await ignoreStatus(this.#core.createNamespacedPodBinding({ name, namespace, body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } } }), 409);
      if (bound) this.#schedulerEvents.record(podRef, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${this.nodeName}`);
    }
    const worker = new PodWorker(pod, {
      network: this.#o.network,
      imageMap: this.#o.imageMap ?? defaultImageMap(),
      podsDir: path.join(this.#o.dataDir, 'pods'),
      logsDir: path.join(this.#o.dataDir, 'logs'),
      loadSources: (ns, names) => this.#loadSources(ns, names),
      nodeEnv: { ...apiServiceEnv(this.#o.kubeConfig.getCurrentCluster()?.server ?? 'https://127.0.0.1:443'), ...this.#o.nodeEnv },
      hostIp: this.#o.network.hostAddress,
      timeScale: this.#o.timeScale ?? 1,
      backoff: this.#o.backoff ?? { initialMs: 10_000, maxMs: 300_000 },
      logger: this.#logger,
      onChange: () => this.#statusQueue.add(key),
      onEvent: (type, reason, message, fieldPath) => this.#events.record(podRef, type, reason, message, fieldPath),
    });
    this.#workers.set(key, { uid: pod.metadata?.uid ?? '', worker });
    this.#logger.info('starting pod', { pod: key });
    worker.start().catch((err: unknown) => this.#logger.error('pod failed to start', { pod: key, err }));
  }

  /** SIGTERM, grace, SIGKILL; then the pod object is removed with grace 0, as the kubelet confirms a deletion. */
  async #terminate(key: string, pod: V1Pod, entry: Entry): Promise<void> {
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await entry.worker.terminate(grace);
    await this.#writeStatus(key);
    await this.#forceDelete(pod);
  }

  async #forceDelete(pod: V1Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    await ignoreStatus(this.#core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { preconditions: { uid: pod.metadata?.uid ?? '' } } }), 404, 409);
  }

  #track(termination: Promise<void>): void {
    const tracked = termination.catch((err: unknown) => this.#logger.error('pod termination failed', { err })).finally(() => this.#terminations.delete(tracked));
    this.#terminations.add(tracked);
  }

  async #writeStatus(key: string): Promise<void> {
    const entry = this.#workers.get(key);
    if (!entry || this.#closed) return;
    const status = entry.worker.status();
    const json = JSON.stringify(status);
    if (this.#lastStatus.get(key) === json) return;
    const [namespace, name] = key.split('/') as [string, string];
    // The uid in the patch is a precondition: a status never lands on a newer pod of the same name.
    const written = await ignoreStatus(this.#core.patchNamespacedPodStatus(
      { name, namespace, body: { metadata: { uid: entry.uid }, status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ), 404, 409);
    if (written) this.#lastStatus.set(key, json);
  }

  async #loadSources(namespace: string, names: ReferencedSources): Promise<EnvSources> {
    const configMaps = new Map<string, V1ConfigMap>();
    const secrets = new Map<string, V1Secret>();
    for (const name of names.configMaps) {
      const cm = await ignoreStatus(this.#core.readNamespacedConfigMap({ name, namespace }), 404);
      if (cm) configMaps.set(name, cm);
    }
    for (const name of names.secrets) {
      const secret = await ignoreStatus(this.#core.readNamespacedSecret({ name, namespace }), 404);
      if (secret) secrets.set(name, secret);
    }
    const tokens = new Map<string, string>();
    // The kubelet asks the TokenRequest API for each projected token, bound to the pod.
    for (const wanted of names.tokens?.wanted ?? []) {
      const request = await ignoreStatus(this.#core.createNamespacedServiceAccountToken({
        name: names.tokens?.serviceAccount ?? 'default', namespace,
        body: { spec: { audiences: wanted.audience ? [wanted.audience] : [], expirationSeconds: wanted.expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: names.tokens?.pod.name ?? '', uid: names.tokens?.pod.uid ?? '' } } },
      }), 404);
      if (request?.status?.token) tokens.set(tokenKey(wanted), request.status.token);
    }
    return { configMaps, secrets, tokens };
  }
}

function keyOf(pod: V1Pod): string { return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`; }
