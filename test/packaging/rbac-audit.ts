// The operator's RBAC against what it did: the rules of the rendered chart (ClusterRoles bound by
// ClusterRoleBindings, Roles by RoleBindings, to one ServiceAccount) and the requests the API's
// audit recorded for that ServiceAccount, matched as the RBAC authorizer does (API group,
// resource/subresource, verb, resourceNames, the Role's namespace). Pure.
import type { AuditEntry } from '../kube/apiserver/audit-log.js';
import type { Manifest } from './manifest-validation.js';

export interface PolicyRule { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }

/** One grant: a rule where it applies (`namespace` undefined: everywhere, cluster-scoped included). */
export interface Grant { role: string; namespace: string | undefined; rule: PolicyRule }

interface RoleRef { kind: string; name: string }
interface Subject { kind: string; name: string; namespace?: string }

/** Every rule the manifests grant to the ServiceAccount `namespace/name`. */
export function grantsFor(manifests: readonly Manifest[], namespace: string, name: string): Grant[] {
  const roles = new Map(manifests.filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole')
    .map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, (m['rules'] ?? []) as PolicyRule[]]));
  const grants: Grant[] = [];
  for (const b of manifests.filter((m) => m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding')) {
    const subjects = (b['subjects'] ?? []) as Subject[];
    if (!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace)) continue;
    const ref = b['roleRef'] as RoleRef;
    const scope = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    const key = ref.kind === 'ClusterRole' ? `ClusterRole//${ref.name}` : `Role/${b.metadata.namespace ?? ''}/${ref.name}`;
    for (const rule of roles.get(key) ?? []) grants.push({ role: `${ref.kind}/${ref.name}`, namespace: scope, rule });
  }
  return grants;
}

/** The object a request names: its path's name, or for list/watch a `metadata.name=` field selector (which resourceNames may restrict). */
export function requestName(e: AuditEntry): string {
  if (e.name !== '') return e.name;
  const selector = new URL(e.requestURI, 'http://x').searchParams.get('fieldSelector') ?? '';
  return /(?:^|,)metadata\.name=([^,]+)/.exec(selector)?.[1] ?? '';
}

export function allows(g: Grant, e: AuditEntry): boolean {
  const { rule } = g;
  const resource = e.subresource ? `${e.resource}/${e.subresource}` : e.resource;
  if (g.namespace !== undefined && g.namespace !== e.namespace) return false;
  if (!(rule.apiGroups ?? []).some((x) => x === '*' || x === e.apiGroup)) return false;
  if (!(rule.resources ?? []).some((x) => x === '*' || x === resource)) return false;
  if (!rule.verbs.some((x) => x === '*' || x === e.verb)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(requestName(e));
}

export interface RbacComparison {
  /** Requests no rule allows (would be 403 on a cluster). */
  unallowed: string[];
  /** Rule verbs no request used (more than the operator needs). */
  unused: string[];
}

const describeEntry = (e: AuditEntry): string => `${e.verb} ${e.apiGroup || 'core'}/${e.subresource ? `${e.resource}/${e.subresource}` : e.resource}${e.namespace ? ` in ${e.namespace}` : ''}${requestName(e) ? ` ${requestName(e)}` : ''}`;

/**
 * Resource requests against grants: every request must be allowed, and every (rule, resource, verb)
 * of every grant must have allowed at least one request. Non-resource paths (discovery, /version)
 * are every authenticated user's through system:discovery, so they are not compared.
 */
export function compareRbac(grants: readonly Grant[], entries: readonly AuditEntry[]): RbacComparison {
  const requests = entries.filter((e) => e.resource !== '');
  const unallowed = [...new Set(requests.filter((e) => !grants.some((g) => allows(g, e))).map(describeEntry))];
  const unused: string[] = [];
  for (const g of grants) {
    for (const resource of g.rule.resources ?? []) {
      for (const verb of g.rule.verbs) {
        const narrowed: Grant = { ...g, rule: { ...g.rule, resources: [resource], verbs: [verb] } };
        if (!requests.some((e) => allows(narrowed, e))) unused.push(`${g.role}${g.namespace ? ` in ${g.namespace}` : ''}: ${verb} ${(g.rule.apiGroups ?? []).join(',') || 'core'}/${resource}${g.rule.resourceNames?.length ? ` ${g.rule.resourceNames.join(',')}` : ''}`);
      }
    }
  }
  return { unallowed, unused };
}
