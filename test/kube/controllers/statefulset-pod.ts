// The pod a StatefulSet wants at an ordinal: `<set>-<ordinal>` from the template, with the
// identity labels, the controller owner reference, and hostname/subdomain for its DNS name.
import type { V1Pod, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './statefulset-revision.js';

export function podName(set: V1StatefulSet, ordinal: number): string { return `${set.metadata?.name ?? ''}-${ordinal}`; }

/** The ordinal of a pod named `<set>-<n>`, or undefined for any other name. */
export function ordinalOf(set: V1StatefulSet, pod: V1Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ''}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function isOwnedBy(set: V1StatefulSet, pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === set.metadata?.uid);
}

export function revisionOf(pod: V1Pod): string | undefined { return pod.metadata?.labels?.[REVISION_LABEL]; }

export function buildStatefulSetPod(set: V1StatefulSet, template: V1PodTemplateSpec, ordinal: number, revision: string): V1Pod {
  const name = podName(set, ordinal);
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace ?? 'default',
      labels: { ...meta.labels, [REVISION_LABEL]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [{
        apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '',
        controller: true, blockOwnerDeletion: true,
      }],
    },
    spec: {
      ...structuredClone(template.spec ?? { containers: [] }),
      hostname: name,
      ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}),
    },
  };
}
