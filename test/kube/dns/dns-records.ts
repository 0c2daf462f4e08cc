// The records cluster DNS serves, computed from Services and Pods as CoreDNS' kubernetes plugin
// does from EndpointSlices. No kube-proxy runs here, so a ClusterIP Service gets no virtual IP:
// its name answers with its ready pods' IPs, like a headless Service.
import type { V1Pod, V1Service } from '@kubernetes/client-node';

export type DnsRecords = Map<string, string[]>;

export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Whether a pod is an address of the Service: it has an IP and has not finished; ready and not
 * terminating, unless the Service publishes not-ready addresses [endpoints controller: shouldPodBeInEndpoints].
 */
export function isServiceAddress(service: V1Service, pod: V1Pod): boolean {
  if (!pod.status?.podIP || pod.status.phase === 'Failed' || pod.status.phase === 'Succeeded') return false;
  if (service.spec?.publishNotReadyAddresses) return true;
  return isPodReady(pod) && !pod.metadata?.deletionTimestamp;
}

export function buildDnsRecords(services: readonly V1Service[], pods: readonly V1Pod[], domain = 'cluster.local'): DnsRecords {
  const records: DnsRecords = new Map();
  const add = (name: string, ip: string): void => {
    const list = records.get(name) ?? [];
    if (!list.includes(ip)) list.push(ip);
    records.set(name, list);
  };
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    // <a-b-c-d>.<ns>.pod.<domain> [kubernetes DNS spec: pods].
    if (ip && !pod.metadata?.deletionTimestamp) add(`${ip.replace(/[.:]/g, '-')}.${pod.metadata?.namespace ?? 'default'}.pod.${domain}`, ip);
  }
  for (const service of services) {
    const ns = service.metadata?.namespace ?? 'default';
    const name = service.metadata?.name ?? '';
    if (service.spec?.type === 'ExternalName') continue;
    const serviceName = `${name}.${ns}.svc.${domain}`;
    const headless = service.spec?.clusterIP === 'None';
    const members = pods
      .filter((p) => (p.metadata?.namespace ?? 'default') === ns && selectorMatches(service.spec?.selector, p.metadata?.labels))
      .filter((p) => isServiceAddress(service, p))
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    // The name exists (NOERROR, no answers) even when no pod backs it yet.
    records.set(serviceName, records.get(serviceName) ?? []);
    for (const pod of members) {
      add(serviceName, pod.status?.podIP as string);
      // <hostname>.<subdomain>.<ns>.svc.<domain> for pods whose subdomain names this headless Service.
      if (headless && pod.spec?.hostname && pod.spec.subdomain === name) add(`${pod.spec.hostname}.${serviceName}`, pod.status?.podIP as string);
    }
  }
  return records;
}

/** The changes that turn `before` into `after`: names to set (new or changed) and names to delete. */
export function diffDnsRecords(before: DnsRecords, after: DnsRecords): { set: Array<[string, string[]]>; remove: string[] } {
  const set: Array<[string, string[]]> = [];
  for (const [name, ips] of after) {
    const old = before.get(name);
    if (!old || old.length !== ips.length || old.some((ip, i) => ip !== ips[i])) set.push([name, ips]);
  }
  return { set, remove: [...before.keys()].filter((name) => !after.has(name)) };
}
