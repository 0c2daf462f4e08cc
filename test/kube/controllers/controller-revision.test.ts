// ControllerRevision decisions: numbering, the template a revision restores, history trimming.
import { describe, expect, it } from '@jest/globals';
import type { V1ControllerRevision, V1StatefulSet } from '@kubernetes/client-node';
import { buildControllerRevision, decideRevisionsToDelete, nextRevisionNumber, templateOfRevision } from './controller-revision.js';

const set: V1StatefulSet = {
  metadata: { name: 'web', namespace: 'default', uid: 'set-uid', annotations: { 'kubernetes.io/change-cause': 'image 2' } },
  spec: { selector: { matchLabels: { app: 'web' } }, serviceName: 'web', template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:2' }] } } },
};
const rev = (name: string, revision: number): V1ControllerRevision => ({ metadata: { name }, revision });

describe('ControllerRevision', () => {
  it('records the template as a replacing patch, labelled and owned like the real one', () => {
    const r = buildControllerRevision(set, 'web-abc123', 4);
    expect(r.metadata?.labels).toEqual({ app: 'web', 'controller.kubernetes.io/hash': 'abc123' });
    expect(r.metadata?.annotations).toEqual({ 'kubernetes.io/change-cause': 'image 2' });
    expect(r.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true });
    expect((r.data as { spec: { template: { $patch: string } } }).spec.template.$patch).toBe('replace');
    expect(templateOfRevision(r)).toEqual(set.spec?.template);
    expect(r.revision).toBe(4);
  });

  it('numbers after the highest and trims the oldest history beyond the limit, never a live revision', () => {
    const revisions = [rev('a', 1), rev('b', 2), rev('c', 3), rev('d', 4), rev('e', 5)];
    expect(nextRevisionNumber(revisions)).toBe(6);
    expect(nextRevisionNumber([])).toBe(1);
    expect(decideRevisionsToDelete(revisions, new Set(['e']), 2)).toEqual(['a', 'b']);
    expect(decideRevisionsToDelete(revisions, new Set(['a', 'e']), 2)).toEqual(['b']);
    expect(decideRevisionsToDelete(revisions, new Set(['e']), 10)).toEqual([]);
  });
});
