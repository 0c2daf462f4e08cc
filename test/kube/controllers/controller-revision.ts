// A StatefulSet's ControllerRevisions (apps/v1), as the real controller keeps them: one per pod
// template, `data` the strategic-merge patch that restores it (what `kubectl rollout undo` applies),
// numbered in order of use, and the history trimmed to revisionHistoryLimit outside live revisions.
import type { V1ControllerRevision, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';

export const HASH_LABEL = 'controller.kubernetes.io/hash';

export function isRevisionOf(set: V1StatefulSet, revision: V1ControllerRevision): boolean {
  return (revision.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === set.metadata?.uid);
}

/** The next revision number: one past the highest [history.NextRevision]. */
export function nextRevisionNumber(revisions: readonly V1ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** The revision object for the set's current template, named `name` (`<set>-<hash>`). */
export function buildControllerRevision(set: V1StatefulSet, name: string, revision: number): V1ControllerRevision {
  const template = set.spec?.template ?? {};
  const hash = name.slice((set.metadata?.name ?? '').length + 1);
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name, namespace: set.metadata?.namespace ?? 'default',
      labels: { ...template.metadata?.labels, [HASH_LABEL]: hash },
      // The set's annotations travel with it: kubernetes.io/change-cause is the CHANGE-CAUSE column of rollout history.
      ...(set.metadata?.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { ...structuredClone(template), $patch: 'replace' } } },
    revision,
  };
}

/** The pod template a revision restores. */
export function templateOfRevision(revision: V1ControllerRevision): V1PodTemplateSpec | undefined {
  const data = revision.data as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } } | undefined;
  const template = data?.spec?.template;
  if (!template) return undefined;
  const { $patch: _directive, ...rest } = template;
  return rest;
}

/** Revisions to delete: the oldest beyond `limit`, never a live one (current, update, or a pod's) [truncateHistory]. */
export function decideRevisionsToDelete(revisions: readonly V1ControllerRevision[], live: ReadonlySet<string>, limit: number): string[] {
  const history = revisions.filter((r) => !live.has(r.metadata?.name ?? '')).sort((a, b) => a.revision - b.revision);
  return history.slice(0, Math.max(0, history.length - limit)).map((r) => r.metadata?.name ?? '');
}
