// Which optional kinds the API serves (ServiceMonitor once the Prometheus Operator's CRD is
// installed): one small informer per CRD, by name, so installing or removing it is seen at once.
// Without permission to watch CRDs, discovery answers once at start instead.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { groupOf, groupVersionPath, kindKey, RESOURCES, type ResourceRef } from './api-resources.js';
import { isForbidden } from './kube-api-error.js';
import type { KubeApi } from './kube-api.js';
import { ResourceInformer } from './resource-informer.js';

export const OPTIONAL_KINDS: ReadonlyArray<{ resource: ResourceRef; crd: string }> = [
  { resource: RESOURCES.serviceMonitor, crd: `${RESOURCES.serviceMonitor.plural}.${groupOf(RESOURCES.serviceMonitor.apiVersion)}` },
];

interface CrdLike extends KubernetesObject {
  spec?: { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string; served?: boolean }> };
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

/** The CRD serves `resource`: its group, kind and version, served, and Established. */
export function crdServes(crd: CrdLike | undefined, resource: ResourceRef): boolean {
  if (!crd || crd.metadata?.deletionTimestamp) return false;
  const version = resource.apiVersion.slice(resource.apiVersion.indexOf('/') + 1);
  return crd.spec?.group === groupOf(resource.apiVersion) && crd.spec.names?.kind === resource.kind
    && (crd.spec.versions ?? []).some((v) => v.name === version && v.served === true)
    && (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export interface ServedKindsOptions {
  api: KubeApi;
  logger: Logger;
  metrics: OperatorMetrics;
  onChange: (resource: ResourceRef, served: boolean) => void;
  /** Optional kinds the operator was told to leave alone (never watched, never served to the steps). */
  disabled?: ReadonlySet<string>;
}

export class ServedKinds {
  readonly #options: ServedKindsOptions;
  readonly #served = new Set<string>();
  readonly #informers: Array<ResourceInformer<KubernetesObject>> = [];
  #ready = false;

  constructor(options: ServedKindsOptions) { this.#options = options; }

  serves(resource: ResourceRef): boolean { return this.#served.has(kindKey(resource.apiVersion, resource.kind)); }

  isDisabled(resource: ResourceRef): boolean { return this.#options.disabled?.has(kindKey(resource.apiVersion, resource.kind)) === true; }

  async start(): Promise<void> {
    for (const { resource, crd } of OPTIONAL_KINDS) {
      if (this.isDisabled(resource)) continue;
      const informer = new ResourceInformer<KubernetesObject>({
        api: this.#options.api, resource: RESOURCES.customResourceDefinition, fieldSelector: `metadata.name=${crd}`,
        logger: this.#options.logger, metrics: this.#options.metrics,
        onChange: (obj, verb) => this.#set(resource, verb !== 'delete' && crdServes(obj, resource)),
      });
      try {
        await informer.start();
        this.#informers.push(informer);
      } catch (err) {
        if (!isForbidden(err)) throw err;
        this.#options.logger.warn('may not watch CustomResourceDefinitions: whether the kind is served is checked once, now', { kind: resource.kind, err });
        this.#set(resource, await this.#discover(resource));
      }
    }
    // What the first lists found is read by the cache as it starts; only later changes are news.
    this.#ready = true;
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await Promise.all(this.#informers.splice(0).map((i) => i.stop()));
  }

  async #discover(resource: ResourceRef): Promise<boolean> {
    try {
      const list = await this.#options.api.request<{ resources?: Array<{ kind?: string }> }>('GET', groupVersionPath(resource.apiVersion));
      return (list.resources ?? []).some((r) => r.kind === resource.kind);
    } catch (err) {
      // 404: the group is not served at all, the usual answer without the CRD.
      if ((err as { code?: unknown }).code !== 404) this.#options.logger.warn('discovery failed: taking the kind as not served', { kind: resource.kind, err });
      return false;
    }
  }

  #set(resource: ResourceRef, served: boolean): void {
    const key = kindKey(resource.apiVersion, resource.kind);
    if (served === this.#served.has(key)) return;
    if (served) this.#served.add(key); else this.#served.delete(key);
    if (this.#ready) this.#options.onChange(resource, served);
  }
}
