// The ServiceAccount admission plugin on pod creation: the pod's ServiceAccount must exist, and
// unless the pod or its ServiceAccount opts out (automountServiceAccountToken: false) it gets the
// `kube-api-access-<random>` projected volume (token, kube-root-ca.crt, namespace) mounted at
// /var/run/secrets/kubernetes.io/serviceaccount in every container, as on a 1.32 cluster.
import { forbidden } from './api-error.js';
import { childObject, isObject, metadataOf, objectsIn, stringAt, type JsonObject } from './json.js';
import { generateName } from './object-meta.js';
import type { ResourceType } from './resource-type.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
/** The token lifetime the plugin asks for: an hour and a bit, so kubelets can tell it from one they chose [3607]. */
const TOKEN_EXPIRATION_SECONDS = 3607;

export function serviceAccountVolume(name: string): JsonObject {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * Mutates a pod being created. `lookup` reads a ServiceAccount of the pod's namespace; a missing
 * one refuses the pod (403), as the plugin does.
 */
export function admitPodServiceAccount(type: ResourceType, pod: JsonObject, lookup: (namespace: string, name: string) => JsonObject | undefined): void {
  const meta = metadataOf(pod);
  const spec = childObject(pod, 'spec');
  const namespace = stringAt(meta, 'namespace') ?? 'default';
  const saName = stringAt(spec, 'serviceAccountName') ?? 'default';
  const sa = lookup(namespace, saName);
  if (!sa) throw forbidden(type, stringAt(meta, 'name') ?? '', `error looking up service account ${namespace}/${saName}: serviceaccount "${saName}" not found`);
  const automount = typeof spec['automountServiceAccountToken'] === 'boolean' ? spec['automountServiceAccountToken'] : sa['automountServiceAccountToken'] !== false;
  if (!automount) return;
  const containers = [...objectsIn(spec['initContainers']), ...objectsIn(spec['containers'])];
  const needs = containers.filter((c) => !objectsIn(c['volumeMounts']).some((m) => m['mountPath'] === SERVICE_ACCOUNT_MOUNT_PATH));
  if (needs.length === 0) return;
  const volumes = objectsIn(spec['volumes']);
  const existing = volumes.find((v) => typeof v['name'] === 'string' && v['name'].startsWith('kube-api-access-') && isObject(v['projected']));
  const volumeName = existing ? String(existing['name']) : generateName('kube-api-access-');
  if (!existing) spec['volumes'] = [...volumes, serviceAccountVolume(volumeName)];
  for (const c of needs) c['volumeMounts'] = [...objectsIn(c['volumeMounts']), { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
}
