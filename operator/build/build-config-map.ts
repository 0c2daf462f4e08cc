// The ConfigMap holding the rendered broker configuration (and the ACL file), and the hash of
// its data that goes on the pod template so that a configuration change rolls the pods.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { buildAclFile, buildBrokerConfig } from './build-broker-config.js';
import { headlessDnsName } from './build-broker-env.js';
import { commonLabels, objectNames, ownerReference } from './labels.js';

export const CONFIG_KEYS = { config: 'meshmq.yaml', acl: 'acl.yaml' } as const;

const HEADER = '# Rendered by meshmq-operator from the BrokerCluster spec; edits here are overwritten.\n';

export function buildConfigData(cluster: BrokerCluster, clusterDomain: string): Record<string, string> {
  const data: Record<string, string> = {
    [CONFIG_KEYS.config]: HEADER + stringify(buildBrokerConfig(cluster.spec, headlessDnsName(cluster, clusterDomain)), { sortMapEntries: true }),
  };
  const acl = buildAclFile(cluster.spec);
  if (acl !== undefined) data[CONFIG_KEYS.acl] = HEADER + stringify(acl);
  return data;
}

/** Stable over key order: sha256 of the sorted key/value pairs, 16 hex digits. */
export function hashData(data: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(key).update('\0').update(data[key] as string).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export function buildConfigMap(cluster: BrokerCluster, clusterDomain: string): DesiredObject & V1ConfigMap {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: objectNames(cluster.metadata.name).configMap, namespace: cluster.metadata.namespace,
      labels: commonLabels(cluster), ownerReferences: [ownerReference(cluster)],
    },
    data: buildConfigData(cluster, clusterDomain),
  };
}
