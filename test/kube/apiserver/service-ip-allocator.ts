// Service ClusterIPs from the service CIDR (10.96.0.0/12, kubeadm's default), as the apiserver's
// allocator hands them out: random addresses from the upper band, a requested address checked
// against the range and the other Services, and allocated fields kept across updates.
import type { FieldError } from './api-error.js';
import { childObject, isObject, metadataOf, stringAt, type JsonObject } from './json.js';
import type { ObjectStore } from './object-store.js';

export const SERVICE_CIDR = '10.96.0.0/12';
/** The first address, which the `kubernetes` Service of the default namespace holds. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

const BASE = ipToNumber('10.96.0.0');
const SIZE = 2 ** 20;
// The lower band (the first 1/16, at least 16, at most 256 addresses) is left to requested IPs [KEP-3070].
const STATIC_BAND = Math.min(256, Math.max(16, SIZE / 16));

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function isIPv4(text: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text) && text.split('.').every((p) => Number(p) <= 255 && String(Number(p)) === p);
}

/** A free address of the dynamic band, at random (the network and broadcast addresses are never used). */
export function pickClusterIp(used: ReadonlySet<string>, random: () => number = Math.random): string | undefined {
  const first = STATIC_BAND;
  const count = SIZE - 1 - first;
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const ip = numberToIp(BASE + first + ((start + i) % count));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

function wantsClusterIp(spec: JsonObject): boolean {
  return spec['type'] !== 'ExternalName';
}

export class ServiceIpAllocator {
  readonly #store: ObjectStore;
  readonly #random: () => number;

  constructor(store: ObjectStore, random: () => number = Math.random) {
    this.#store = store;
    this.#random = random;
  }

  /** ClusterIPs held by Services other than `except` (namespace/name). */
  #used(except: string): Set<string> {
    const used = new Set<string>();
    for (const svc of this.#store.list('/services')) {
      const meta = metadataOf(svc);
      if (`${stringAt(meta, 'namespace') ?? ''}/${stringAt(meta, 'name') ?? ''}` === except) continue;
      const ip = isObject(svc['spec']) ? stringAt(svc['spec'], 'clusterIP') : undefined;
      if (ip && ip !== 'None') used.add(ip);
    }
    return used;
  }

  /** On create: an address for a Service that asks for none, and the single-stack IPv4 family fields. */
  assign(service: JsonObject): void {
    const spec = childObject(service, 'spec');
    if (!wantsClusterIp(spec)) return;
    const meta = metadataOf(service);
    const requested = stringAt(spec, 'clusterIP') ?? (Array.isArray(spec['clusterIPs']) ? String(spec['clusterIPs'][0] ?? '') : '');
    if (requested === '') {
      const ip = pickClusterIp(this.#used(`${stringAt(meta, 'namespace') ?? ''}/${stringAt(meta, 'name') ?? ''}`), this.#random);
      // A full range leaves the field empty; validation then reports it as the apiserver does.
      if (ip) spec['clusterIP'] = ip;
    } else {
      spec['clusterIP'] = requested;
    }
    if (typeof spec['clusterIP'] === 'string') spec['clusterIPs'] = [spec['clusterIP']];
    if (!Array.isArray(spec['ipFamilies'])) spec['ipFamilies'] = ['IPv4'];
    // Headless Services without a selector may take both families [dual-stack defaults].
    const selectorless = spec['clusterIP'] === 'None' && !isObject(spec['selector']);
    if (spec['ipFamilyPolicy'] === undefined) spec['ipFamilyPolicy'] = selectorless ? 'RequireDualStack' : 'SingleStack';
  }

  /** On update: allocated fields the new object leaves out are kept, as patchAllocatedValues does. */
  keep(service: JsonObject, old: JsonObject): void {
    const spec = childObject(service, 'spec');
    const oldSpec = isObject(old['spec']) ? old['spec'] : {};
    if (!wantsClusterIp(spec)) return;
    for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) {
      if ((spec[key] === undefined || spec[key] === '') && oldSpec[key] !== undefined) spec[key] = oldSpec[key] ?? null;
    }
  }

  /** On create: a requested address must be in the range and free. */
  validate(service: JsonObject, old: JsonObject | undefined): FieldError[] {
    if (old) return [];
    const spec = isObject(service['spec']) ? service['spec'] : {};
    const ip = stringAt(spec, 'clusterIP');
    if (!wantsClusterIp(spec) || ip === 'None') return [];
    const fail = (detail: string): FieldError[] => [{ type: 'Invalid', field: 'spec.clusterIPs', value: [ip ?? ''], renderedValue: `[]string{${JSON.stringify(ip ?? '')}}`, detail }];
    if (!ip) return fail('failed to allocate IP: range is full');
    if (!isIPv4(ip)) return fail(`must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
    const n = ipToNumber(ip);
    if (n <= BASE || n >= BASE + SIZE - 1) return fail(`failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`);
    const meta = metadataOf(service);
    if (this.#used(`${stringAt(meta, 'namespace') ?? ''}/${stringAt(meta, 'name') ?? ''}`).has(ip)) return fail(`failed to allocate IP ${ip}: provided IP is already allocated`);
    return [];
  }
}
