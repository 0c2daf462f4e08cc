// The endpoints and endpointslice controllers (kube-controller-manager's), through REST only:
// informers on Services, Pods, Endpoints and EndpointSlices; for each Service with a selector,
// Endpoints and slices kept equal to what buildEndpoints/buildEndpointSlices say, and its
// Endpoints removed with it (slices go by their owner reference).
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1EndpointSlice, type V1Endpoints, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import { stableStringify } from './statefulset-revision.js';
import { ignoreStatus } from './api-errors.js';
import { buildEndpointSlices, sliceKey } from './endpoint-slice-build.js';
import { buildEndpoints, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SLICE_CONTROLLER } from './endpoints-build.js';
import { WatchedCache } from './watched-cache.js';
import { WorkQueue } from './work-queue.js';

export interface EndpointsControllerOptions { kubeConfig: KubeConfig; logger: Logger }

const keyOf = (obj: { metadata?: { namespace?: string; name?: string } }): string => `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
const same = (a: unknown, b: unknown): boolean => stableStringify(a) === stableStringify(b);

export class EndpointsController {
  readonly #core: CoreV1Api;
  readonly #discovery: DiscoveryV1Api;
  readonly #logger: Logger;
  readonly #queue: WorkQueue;
  #services: WatchedCache<V1Service> | undefined;
  #pods: WatchedCache<V1Pod> | undefined;
  #endpoints: WatchedCache<V1Endpoints> | undefined;
  #slices: WatchedCache<V1EndpointSlice> | undefined;

  private constructor(options: EndpointsControllerOptions) {
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#discovery = options.kubeConfig.makeApiClient(DiscoveryV1Api);
    this.#logger = options.logger.child({ component: 'endpoints-controller' });
    this.#queue = new WorkQueue((key) => this.#sync(key), this.#logger);
  }

  static async start(options: EndpointsControllerOptions): Promise<EndpointsController> {
    const c = new EndpointsController(options);
    const { kubeConfig } = options;
    const logger = c.#logger;
    // A pod change can concern any Service of its namespace (old labels or new): each is looked at again.
    const podChanged = (pod: V1Pod): void => {
      for (const svc of c.#services?.list(pod.metadata?.namespace ?? 'default') ?? []) c.#queue.add(keyOf(svc));
    };
    c.#services = await WatchedCache.start<V1Service>({ kubeConfig, logger, path: '/api/v1/services', list: () => c.#core.listServiceForAllNamespaces(), onChange: (svc) => c.#queue.add(keyOf(svc)) });
    c.#endpoints = await WatchedCache.start<V1Endpoints>({ kubeConfig, logger, path: '/api/v1/endpoints', list: () => c.#core.listEndpointsForAllNamespaces(), onChange: (ep) => c.#queue.add(keyOf(ep)) });
    c.#slices = await WatchedCache.start<V1EndpointSlice>({
      kubeConfig, logger, path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: () => c.#discovery.listEndpointSliceForAllNamespaces({ labelSelector: `${MANAGED_BY_LABEL}=${SLICE_CONTROLLER}` }),
      onChange: (slice) => { const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL]; if (svc) c.#queue.add(`${slice.metadata?.namespace ?? 'default'}/${svc}`); },
    });
    c.#pods = await WatchedCache.start<V1Pod>({ kubeConfig, logger, path: '/api/v1/pods', list: () => c.#core.listPodForAllNamespaces(), onChange: podChanged });
    for (const svc of c.#services.list()) c.#queue.add(keyOf(svc));
    return c;
  }

  /** Resolves when no sync is queued or running. */
  async idle(): Promise<void> { await this.#queue.idle(); }

  async close(): Promise<void> {
    await this.#queue.close();
    await Promise.all([this.#services?.close(), this.#pods?.close(), this.#endpoints?.close(), this.#slices?.close()]);
  }

  async #sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const service = this.#services?.get(name, namespace);
    const current = this.#endpoints?.get(name, namespace);
    if (!service) {
      // The Service is gone: so are its Endpoints (its slices follow their owner reference).
      if (current) await ignoreStatus(this.#core.deleteNamespacedEndpoints({ name, namespace }), 404);
      return;
    }
    // Without a selector the Endpoints are the user's to write [endpoints controller: selector-less Services].
    if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0) return;
    const pods = this.#pods?.list(namespace) ?? [];
    await this.#syncEndpoints(service, buildEndpoints(service, pods), current);
    await this.#syncSlices(service, pods);
  }

  async #syncEndpoints(service: V1Service, desired: V1Endpoints, current: V1Endpoints | undefined): Promise<void> {
    const namespace = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    if (!current) {
      await ignoreStatus(this.#core.createNamespacedEndpoints({ namespace, body: desired }), 409);
      return;
    }
    if (same(current.subsets ?? [], desired.subsets ?? []) && same(current.metadata?.labels ?? {}, desired.metadata?.labels ?? {})) return;
    const body: V1Endpoints = { ...desired, metadata: { ...current.metadata, labels: desired.metadata?.labels ?? {} } };
    if (!desired.subsets) delete body.subsets;
    await ignoreStatus(this.#core.replaceNamespacedEndpoints({ name, namespace, body }), 404, 409);
  }

  async #syncSlices(service: V1Service, pods: readonly V1Pod[]): Promise<void> {
    const namespace = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    // Read fresh rather than from the informer: a slice created by the previous sync may not have reached it yet.
    const existing = (await this.#discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${SLICE_CONTROLLER}` })).items;
    const unmatched = new Map(existing.map((s) => [s.metadata?.name ?? '', s]));
    for (const { key, slice } of buildEndpointSlices(service, pods)) {
      const match = [...unmatched.values()].find((s) => sliceKey(s) === key);
      if (!match) {
        await this.#discovery.createNamespacedEndpointSlice({ namespace, body: slice });
        continue;
      }
      unmatched.delete(match.metadata?.name ?? '');
      const unchanged = same(match.endpoints ?? [], slice.endpoints) && same(match.ports ?? [], slice.ports ?? []) && same(match.metadata?.labels ?? {}, slice.metadata?.labels ?? {});
      if (unchanged) continue;
      const body: V1EndpointSlice = { ...slice, metadata: { ...match.metadata, labels: slice.metadata?.labels ?? {} } };
      await ignoreStatus(this.#discovery.replaceNamespacedEndpointSlice({ name: match.metadata?.name ?? '', namespace, body }), 404, 409);
    }
    for (const stale of unmatched.keys()) await ignoreStatus(this.#discovery.deleteNamespacedEndpointSlice({ name: stale, namespace }), 404);
  }
}
