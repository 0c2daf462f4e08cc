// Whether a BrokerCluster's spec names an object: any string value equal to the name. Used to
// reconcile the clusters that use a Secret (TLS, users, Redis URL) when it changes; a spec field
// that happens to hold the same text only costs one idle reconcile.
export function referencesName(spec: unknown, name: string, depth = 0): boolean {
  if (depth > 32 || name === '') return false;
  if (typeof spec === 'string') return spec === name;
  if (Array.isArray(spec)) return spec.some((v) => referencesName(v, name, depth + 1));
  if (spec !== null && typeof spec === 'object') return Object.values(spec).some((v) => referencesName(v, name, depth + 1));
  return false;
}
