// How each list field of the built-in kinds merges, from the Go struct tags
// (patchStrategy/patchMergeKey for strategic merge patch; listType/listMapKeys for apply).
import { isObject, type JsonObject } from './json.js';

export type ListStrategy =
  | { kind: 'map'; mergeKey: string; mapKeys: readonly string[] }
  | { kind: 'set' }
  | { kind: 'atomic' };

const ATOMIC: ListStrategy = { kind: 'atomic' };
const BY_NAME: ListStrategy = { kind: 'map', mergeKey: 'name', mapKeys: ['name'] };

// List fields keyed by their own field name; the rest are atomic (replaced whole) [k8s.io/api types.go].
const BY_FIELD: Record<string, ListStrategy> = {
  containers: BY_NAME, initContainers: BY_NAME, ephemeralContainers: BY_NAME, volumes: BY_NAME, env: BY_NAME,
  imagePullSecrets: BY_NAME, volumeClaimTemplates: ATOMIC,
  volumeMounts: { kind: 'map', mergeKey: 'mountPath', mapKeys: ['mountPath'] },
  volumeDevices: { kind: 'map', mergeKey: 'devicePath', mapKeys: ['devicePath'] },
  ownerReferences: { kind: 'map', mergeKey: 'uid', mapKeys: ['uid'] },
  conditions: { kind: 'map', mergeKey: 'type', mapKeys: ['type'] },
  hostAliases: { kind: 'map', mergeKey: 'ip', mapKeys: ['ip'] },
  finalizers: { kind: 'set' },
  topologySpreadConstraints: { kind: 'map', mergeKey: 'topologyKey', mapKeys: ['topologyKey', 'whenUnsatisfiable'] },
};

/**
 * The strategy for the list at `path` (field names from the root, e.g.
 * ['spec','template','spec','containers']) of a built-in object stored under `storeKey`.
 */
export function builtinListStrategy(storeKey: string, path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  if (field === 'ports') {
    const parent = path[path.length - 2];
    if (parent === undefined) return ATOMIC;
    // A container's ports merge by containerPort; a Service's by port [core/v1 types.go].
    if (storeKey === '/services' && path.length === 2) return { kind: 'map', mergeKey: 'port', mapKeys: ['port', 'protocol'] };
    if (path.includes('containers') || path.includes('initContainers')) return { kind: 'map', mergeKey: 'containerPort', mapKeys: ['containerPort', 'protocol'] };
    return ATOMIC;
  }
  if (field === 'finalizers' && path.length === 2 && path[0] === 'spec' && storeKey === '/namespaces') return ATOMIC;
  if (field === 'conditions' && path[0] !== 'status') return ATOMIC;
  return BY_FIELD[field] ?? ATOMIC;
}

/** The list strategy a structural schema declares (x-kubernetes-list-type / list-map-keys). */
export function schemaListStrategy(schema: JsonObject | undefined): ListStrategy {
  if (!schema) return ATOMIC;
  const type = schema['x-kubernetes-list-type'];
  if (type === 'set') return { kind: 'set' };
  if (type === 'map') {
    const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'].map(String) : [];
    return { kind: 'map', mergeKey: keys[0] ?? 'name', mapKeys: keys };
  }
  return ATOMIC;
}

/** The sub-schema of a structural schema at a property path ('[]' steps into items). */
export function schemaAt(schema: JsonObject | undefined, path: readonly string[]): JsonObject | undefined {
  let cur = schema;
  for (const step of path) {
    if (!cur) return undefined;
    if (step === '[]') { cur = isObject(cur['items']) ? cur['items'] : undefined; continue; }
    const props = cur['properties'];
    if (isObject(props) && isObject(props[step])) cur = props[step];
    else if (isObject(cur['additionalProperties'])) cur = cur['additionalProperties'];
    else return undefined;
  }
  return cur;
}

/** Resolves list strategies for one object kind; paths step into list elements with '[]'. */
export type ListStrategyOf = (path: readonly string[]) => ListStrategy;

const METADATA_LISTS: Record<string, ListStrategy> = { finalizers: { kind: 'set' }, ownerReferences: BY_FIELD['ownerReferences'] ?? ATOMIC, managedFields: ATOMIC };

export function listStrategyFor(storeKey: string, builtin: boolean, schema: JsonObject | undefined): ListStrategyOf {
  return (path) => {
    // `path` steps through list elements with '[]'; built-in tags are keyed by field names only.
    const names = path.filter((p) => p !== '[]');
    if (names[0] === 'metadata' && names.length === 2) return METADATA_LISTS[names[1] ?? ''] ?? ATOMIC;
    if (builtin) return builtinListStrategy(storeKey, names);
    return schemaListStrategy(schemaAt(schema, path));
  };
}
