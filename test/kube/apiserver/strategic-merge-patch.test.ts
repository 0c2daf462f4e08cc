// Strategic merge patch against the built-in patch metadata: merge keys, directives, ordering.
import { describe, expect, it } from '@jest/globals';
import type { JsonObject, JsonValue } from './json.js';
import { builtinListStrategy } from './patch-meta.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

const sts = (path: readonly string[]) => builtinListStrategy('apps/statefulsets', path);
const svc = (path: readonly string[]) => builtinListStrategy('/services', path);
const template = (containers: JsonValue[], extra: JsonObject = {}): JsonObject => ({ spec: { template: { spec: { containers, ...extra } } } });

describe('strategic merge patch', () => {
  it('merges containers by name, their ports by containerPort and env by name', () => {
    const original = template([{ name: 'a', image: 'x:1', ports: [{ containerPort: 1, name: 'p' }], env: [{ name: 'E', value: '1' }] }]);
    const patched = applyStrategicMergePatch(original, template([{ name: 'a', ports: [{ containerPort: 2 }], env: [{ name: 'E', value: '2' }] }, { name: 'b', image: 'y:1' }]), sts);
    expect(patched).toEqual(template([
      { name: 'a', image: 'x:1', ports: [{ containerPort: 1, name: 'p' }, { containerPort: 2 }], env: [{ name: 'E', value: '2' }] },
      { name: 'b', image: 'y:1' },
    ]));
  });

  it('deletes list elements with $patch: delete and replaces atomic lists (tolerations, args)', () => {
    const original = template([{ name: 'a', args: ['1', '2'] }, { name: 'b' }], { tolerations: [{ key: 'k1' }] });
    const patched = applyStrategicMergePatch(original, template([{ name: 'b', $patch: 'delete' }, { name: 'a', args: ['3'] }], { tolerations: [{ key: 'k2' }] }), sts);
    expect(patched).toEqual(template([{ name: 'a', args: ['3'] }], { tolerations: [{ key: 'k2' }] }));
  });

  it('merges Service ports by port, removes keys with null, honours $retainKeys and $setElementOrder', () => {
    const original = { spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], selector: { a: '1', b: '2' }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const patch = {
      spec: {
        $setElementOrder: undefined, '$setElementOrder/ports': [{ port: 443 }, { port: 80 }], ports: [{ port: 80, targetPort: 8080 }], selector: { b: null },
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
      },
    };
    const patched = applyStrategicMergePatch(original, JSON.parse(JSON.stringify(patch)), svc);
    expect(patched).toEqual({ spec: { ports: [{ port: 443, name: 'https' }, { port: 80, name: 'http', targetPort: 8080 }], selector: { a: '1' }, strategy: { type: 'Recreate' } } });
  });

  it('unions finalizers and drops entries with $deleteFromPrimitiveList', () => {
    const meta = (path: readonly string[]) => (path[0] === 'metadata' && path[1] === 'finalizers' ? { kind: 'set' as const } : sts(path));
    const patched = applyStrategicMergePatch({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } }, meta);
    expect(patched).toEqual({ metadata: { finalizers: ['b', 'c'] } });
  });
});
