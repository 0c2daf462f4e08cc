// Whether a live object still carries every field of the desired one, compared the way the API
// server stores what it was sent: quantities canonicalised, int-or-string fields as either, Go's
// omitempty dropping empty values, associative lists matched by key (others' items may stay
// beside ours: server-side apply leaves them), atomic lists whole. Pure.
import { quantitiesEqual } from './quantity.js';

/** List fields merged by a key (their SSA list-map keys); other lists of objects are atomic. */
const LIST_KEYS: Record<string, readonly string[]> = {
  ownerReferences: ['uid'],
  containers: ['name'], initContainers: ['name'], ephemeralContainers: ['name'],
  volumes: ['name'], env: ['name'], imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'], volumeDevices: ['devicePath'],
  ports: ['containerPort', 'port'],
  conditions: ['type'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};
/** Lists of strings with set semantics. */
const SET_LISTS = new Set(['finalizers']);
/** Parents whose values are quantities (resources.limits.cpu, ...), and quantity-valued keys. */
const QUANTITY_PARENTS = new Set(['limits', 'requests', 'capacity', 'allocatable', 'overhead']);
const QUANTITY_KEYS = new Set(['sizeLimit', 'storage']);
const INT_OR_STRING_KEYS = new Set(['targetPort', 'port', 'maxUnavailable', 'minAvailable', 'maxSurge']);

/** The path of the first desired field the live object does not carry, or undefined when none. */
export function findDifference(desired: unknown, live: unknown, path: readonly string[] = []): string | undefined {
  // Server-side apply takes a null as "no opinion": nothing to compare.
  if (desired === undefined || desired === null) return undefined;
  const special = normalisedLeaf(desired, live, path);
  if (special !== undefined) return special ? undefined : at(path);
  const key = path[path.length - 1] ?? '';
  const absent = live === undefined || live === null;
  if (Array.isArray(desired)) {
    if (desired.length === 0) return absent || (Array.isArray(live) && (live.length === 0 || LIST_KEYS[key] !== undefined)) ? undefined : at(path);
    return Array.isArray(live) ? listDifference(desired, live, path, key) : at(path);
  }
  if (isObject(desired)) return objectDifference(desired, live, path);
  // Go's omitempty drops "", false and 0 from what it stores.
  if (absent && (desired === '' || desired === false || desired === 0)) return undefined;
  return desired === live ? undefined : at(path);
}

/** Quantities and int-or-string fields: whether they are equal as the server reads them; undefined for other fields. */
function normalisedLeaf(desired: unknown, live: unknown, path: readonly string[]): boolean | undefined {
  const key = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (QUANTITY_PARENTS.has(parent) || QUANTITY_KEYS.has(key)) return desired === live || quantitiesEqual(desired, live);
  const scalar = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';
  if (INT_OR_STRING_KEYS.has(key) && scalar(desired) && scalar(live)) return String(desired) === String(live);
  return undefined;
}

function objectDifference(desired: Record<string, unknown>, live: unknown, path: readonly string[]): string | undefined {
  if ((live === undefined || live === null) && Object.keys(desired).length === 0) return undefined;
  if (!isObject(live)) return at(path);
  for (const [k, v] of Object.entries(desired)) {
    const found = findDifference(v, live[k], [...path, k]);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function isSubset(desired: unknown, live: unknown): boolean {
  return findDifference(desired, live) === undefined;
}

/** Both ways: for the status, where a field we no longer set must be removed. */
export function findStatusDifference(desired: unknown, stored: unknown): string | undefined {
  return findDifference(desired, stored) ?? findDifference(stored, desired);
}

function listDifference(desired: readonly unknown[], live: readonly unknown[], path: readonly string[], key: string): string | undefined {
  if (SET_LISTS.has(key)) {
    const missing = desired.find((d) => !live.includes(d));
    return missing === undefined ? undefined : at([...path, JSON.stringify(missing)]);
  }
  const mergeKey = associativeKey(desired, key);
  if (mergeKey !== undefined) {
    for (const d of desired as Array<Record<string, unknown>>) {
      const id = d[mergeKey];
      const match = live.find((l) => isObject(l) && l[mergeKey] === id);
      const found = findDifference(d, match, [...path, `${mergeKey}=${String(id)}`]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (desired.length !== live.length) return at([...path, `length ${desired.length}≠${live.length}`]);
  for (let i = 0; i < desired.length; i++) {
    const found = findDifference(desired[i], live[i], [...path, String(i)]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The merge key of an associative list when every desired item carries it. */
function associativeKey(desired: readonly unknown[], key: string): string | undefined {
  const candidates = LIST_KEYS[key];
  if (!candidates || desired.length === 0) return undefined;
  return candidates.find((k) => desired.every((d) => isObject(d) && d[k] !== undefined));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(path: readonly string[]): string { return path.length === 0 ? '.' : path.join('.'); }
