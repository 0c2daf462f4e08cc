// The Endpoints and EndpointSlices a Service with a selector should have, computed from its pods
// as kube-controller-manager's endpoints and endpointslice controllers do: ready pods as addresses,
// not-ready ones as notReadyAddresses (all ready with publishNotReadyAddresses), named target ports
// resolved per pod, addresses grouped into subsets by their port set.
import type { CoreV1EndpointPort, V1ContainerPort, V1EndpointAddress, V1EndpointSubset, V1Endpoints, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { selectorMatches } from '../dns/dns-records.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** One pod as an endpoint of the Service: its address, readiness and resolved ports. */
export interface PodEndpoint { pod: V1Pod; address: V1EndpointAddress; ready: boolean; serving: boolean; terminating: boolean; ports: CoreV1EndpointPort[] }

function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A service port's target on one pod: a number, or a container port's name (undefined when the pod has none). */
export function resolveTargetPort(port: V1ServicePort, pod: V1Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  const ports: V1ContainerPort[] = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return ports.find((p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'))?.containerPort;
}

/** Labels the controllers copy from the Service, plus the headless marker. */
export function endpointLabels(service: V1Service): Record<string, string> {
  const labels = { ...service.metadata?.labels };
  if (service.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

/** The pods that back the Service, as endpoints [endpoints controller: shouldPodBeInEndpoints]. */
export function podEndpoints(service: V1Service, pods: readonly V1Pod[]): PodEndpoint[] {
  const namespace = service.metadata?.namespace ?? 'default';
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    if ((pod.metadata?.namespace ?? 'default') !== namespace || !selectorMatches(service.spec?.selector, pod.metadata?.labels)) continue;
    const ip = pod.status?.podIP;
    if (!ip || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') continue;
    const terminating = pod.metadata?.deletionTimestamp !== undefined;
    if (terminating && !publishNotReady) continue;
    const address: V1EndpointAddress = {
      ip,
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace, name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    // <hostname>.<service> names exist only for pods whose subdomain is this Service.
    if (pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name) address.hostname = pod.spec.hostname;
    const ports = (service.spec?.ports ?? []).flatMap((p): CoreV1EndpointPort[] => {
      const port = resolveTargetPort(p, pod);
      return port === undefined ? [] : [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }];
    });
    // A pod that serves none of several declared ports is no endpoint; a headless Service may declare none.
    if (ports.length === 0 && (service.spec?.ports?.length ?? 0) > 0) continue;
    const ready = isPodReady(pod);
    out.push({ pod, address, ready: publishNotReady || (ready && !terminating), serving: ready, terminating, ports });
  }
  return out.sort((a, b) => a.address.ip.localeCompare(b.address.ip));
}

/** The key of a port set: endpoints with equal keys share a subset (or a slice). */
export function portSetKey(ports: readonly CoreV1EndpointPort[]): string {
  return ports.map((p) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`).sort().join(',');
}

/** Endpoints for the Service, subsets repacked by port set [endpoints.RepackSubsets]. */
export function buildEndpoints(service: V1Service, pods: readonly V1Pod[]): V1Endpoints {
  const groups = new Map<string, V1EndpointSubset>();
  for (const e of podEndpoints(service, pods)) {
    const key = portSetKey(e.ports);
    const subset: V1EndpointSubset = groups.get(key) ?? (e.ports.length > 0 ? { ports: [...e.ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')) } : {});
    const list = e.ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(e.address);
    groups.set(key, subset);
  }
  const subsets = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s);
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: service.metadata?.name ?? '', namespace: service.metadata?.namespace ?? 'default', labels: endpointLabels(service) },
    ...(subsets.length > 0 ? { subsets } : {}),
  };
}
