// A container's environment, computed as the kubelet does: envFrom, then env (later wins), with
// $(VAR) expansion, downward-API fieldRefs, and ConfigMap/Secret key references.
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';

/** ConfigMaps and Secrets of the pod's namespace, by name, fetched before the container starts. */
export interface EnvSources {
  configMaps: ReadonlyMap<string, V1ConfigMap>;
  secrets: ReadonlyMap<string, V1Secret>;
  /** ServiceAccount tokens the pod's projected volumes asked for, by `tokenKey` (service-account-token.ts). */
  tokens?: ReadonlyMap<string, string>;
}

/** A reference the container needs is missing: the kubelet reports CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'ContainerConfigError'; }
}

/** Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` escapes, the rest stays. */
export function expandVars(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) { out += input.slice(i); break; }
      const name = input.slice(i + 2, close);
      const value = vars[name];
      out += value ?? `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/** Downward API: the pod fields `fieldRef.fieldPath` may name. */
export function resolveFieldPath(pod: V1Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] as string] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? 'default';
    case 'metadata.uid': return meta.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
    default: throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

function decodeSecret(secret: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

function sourceData(kind: 'configMap' | 'secret', name: string, sources: EnvSources): Record<string, string> | undefined {
  if (kind === 'configMap') {
    const cm = sources.configMaps.get(name);
    return cm ? { ...cm.data } : undefined;
  }
  const secret = sources.secrets.get(name);
  return secret ? decodeSecret(secret) : undefined;
}

/**
 * The container's variables, in Kubernetes' order. `base` holds what the node adds before the
 * pod's own (service links, the node's resolver): the pod's `env` may override it.
 */
export function buildContainerEnv(pod: V1Pod, container: V1Container, sources: EnvSources, base: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'configMap' : 'secret';
    if (!ref?.name) continue;
    const data = sourceData(kind, ref.name, sources);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) { env[variable.name] = expandVars(variable.value ?? '', env); continue; }
    if (from.fieldRef) { env[variable.name] = resolveFieldPath(pod, from.fieldRef.fieldPath); continue; }
    const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
    if (keyRef) {
      const kind = from.configMapKeyRef ? 'configMap' : 'secret';
      const value = sourceData(kind, keyRef.name ?? '', sources)?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        throw new ContainerConfigError(`${kind} "${keyRef.name}" key "${keyRef.key}" not found (env ${variable.name})`);
      }
      env[variable.name] = value;
      continue;
    }
    if (from.resourceFieldRef) { env[variable.name] = resolveResourceField(container, from.resourceFieldRef.resource); continue; }
    throw new ContainerConfigError(`env ${variable.name}: unsupported valueFrom`);
  }
  return env;
}

/** `limits.cpu`, `requests.memory`, ...: the raw quantity as declared ("0" when undeclared, as for an unlimited node). */
function resolveResourceField(container: V1Container, resource: string): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const value = container.resources?.[kind]?.[name];
  return value === undefined ? '0' : String(value);
}
