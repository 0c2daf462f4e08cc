// The Secrets the operator generates when the spec names none: the cluster cookie and the admin
// API token. Created once (createIfAbsent) and never rewritten, so they never rotate by accident;
// the randomness is injected so the builders stay pure.
import type { V1Secret } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { GENERATED_KEY } from './build-broker-env.js';
import { commonLabels, objectNames, ownerReference } from './labels.js';

/** Returns `bytes` random bytes (crypto.randomBytes in the shell). */
export type RandomBytes = (bytes: number) => Buffer;
const SECRET_BYTES = 32;

function secret(cluster: BrokerCluster, name: string, key: string, value: string): DesiredObject & V1Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace: cluster.metadata.namespace, labels: commonLabels(cluster), ownerReferences: [ownerReference(cluster)] },
    stringData: { [key]: value },
  };
}

/** The Secrets to create when absent: only those the spec does not bring itself. */
export function buildGeneratedSecrets(cluster: BrokerCluster, random: RandomBytes): Array<DesiredObject & V1Secret> {
  const names = objectNames(cluster.metadata.name);
  const out: Array<DesiredObject & V1Secret> = [];
  if (cluster.spec.cluster.cookieSecret === undefined) {
    out.push(secret(cluster, names.cookieSecret, GENERATED_KEY.cookie, random(SECRET_BYTES).toString('base64url')));
  }
  if (cluster.spec.auth.apiTokenSecret === undefined) {
    out.push(secret(cluster, names.apiTokenSecret, GENERATED_KEY.token, random(SECRET_BYTES).toString('base64url')));
  }
  return out;
}
