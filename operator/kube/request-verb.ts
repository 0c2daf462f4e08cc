// The Kubernetes verb of a REST request, as RBAC and the apiserver's own metrics name it:
// get/list/watch for reads, create/update/patch/delete for writes. Pure; used for metrics.
export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export type Verb = (typeof VERBS)[number];

/**
 * `path` is the URL path; a resource path ends in the resource (a collection) or in its name,
 * optionally followed by a subresource. Discovery and /version count as `get`.
 */
export function verbOf(method: string, path: string, query: URLSearchParams): Verb {
  switch (method.toUpperCase()) {
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return isCollection(path) ? 'deletecollection' : 'delete';
    default:
      if (query.get('watch') === 'true' || query.get('watch') === '1' || path.includes('/watch/')) return 'watch';
      return isCollection(path) ? 'list' : 'get';
  }
}

/**
 * /api/v1/pods, /api/v1/namespaces/ns/pods, /apis/apps/v1/statefulsets,
 * /apis/apps/v1/namespaces/ns/statefulsets are collections; one more segment names an object.
 */
function isCollection(path: string): boolean {
  const parts = path.split('/').filter((p) => p !== '');
  // Strip the group-version prefix: ['api', v] or ['apis', group, version].
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : undefined;
  if (rest === undefined || rest.length === 0) return false;
  // namespaces/<ns>/<resource>[/<name>[/<sub>]], or <resource>[/<name>[/<sub>]].
  const inNamespace = rest[0] === 'namespaces' && rest.length >= 3;
  const afterNamespace = inNamespace ? rest.slice(2) : rest;
  return afterNamespace.length === 1;
}
