// Parses an apiserver URL path into what it addresses (discovery document or resource),
// following the real RequestInfoFactory (namespaces/{ns}/status is the namespace's subresource).
export type ApiPath =
  | { kind: 'version' | 'api' | 'apis' | 'health' | 'openapi-v2' }
  | { kind: 'openapi-v3'; sub: string }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | { kind: 'resource'; group: string; version: string; namespace: string; plural: string; name: string; subresource: string; legacyWatch: boolean };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [root, ...rest] = parts;
  if (root === 'version' && rest.length === 0) return { kind: 'version' };
  if ((root === 'healthz' || root === 'readyz' || root === 'livez') && rest.length <= 1) return { kind: 'health' };
  if (root === 'openapi') return rest[0] === 'v2' ? { kind: 'openapi-v2' } : { kind: 'openapi-v3', sub: rest.slice(1).join('/') };
  let group: string;
  let version: string | undefined;
  let tail: string[];
  if (root === 'api') {
    if (rest.length === 0) return { kind: 'api' };
    group = '';
    version = rest[0];
    tail = rest.slice(1);
  } else if (root === 'apis') {
    if (rest.length === 0) return { kind: 'apis' };
    group = rest[0] ?? '';
    if (rest.length === 1) return { kind: 'group', group };
    version = rest[1];
    tail = rest.slice(2);
  } else return undefined;
  if (version === undefined) return undefined;
  if (tail.length === 0) return { kind: 'resources', group, version };
  let legacyWatch = false;
  if (tail[0] === 'watch') { legacyWatch = true; tail = tail.slice(1); }
  let namespace = '';
  if (tail[0] === 'namespaces' && tail.length > 1) {
    namespace = tail[1] ?? '';
    if (tail.length > 2 && !NAMESPACE_SUBRESOURCES.has(tail[2] ?? '')) tail = tail.slice(2);
    else namespace = '';
  }
  const [plural, name = '', subresource = '', ...extra] = tail;
  if (!plural || extra.length > 0) return undefined;
  return { kind: 'resource', group, version, namespace, plural, name, subresource, legacyWatch };
}
