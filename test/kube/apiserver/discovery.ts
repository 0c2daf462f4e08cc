// Discovery documents: /version, /api, /apis, /apis/{group}, and the APIResourceList of each
// group/version, with the shape kubectl and client-go's discovery client read.
import type { JsonObject } from './json.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceType } from './resource-type.js';

export const SERVER_VERSION = {
  major: '1', minor: '32', gitVersion: 'v1.32.4', gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335', gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64',
} as const;

export function versionDocument(): JsonObject {
  return { ...SERVER_VERSION };
}

export function coreVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDocument(name: string, versions: string[], preferred: string): JsonObject {
  return {
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

export function groupList(registry: ResourceRegistry): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map((g) => groupDocument(g.name, g.versions, g.preferredVersion)) };
}

export function group(registry: ResourceRegistry, name: string): JsonObject | undefined {
  const g = registry.groups().find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(g.name, g.versions, g.preferredVersion) } : undefined;
}

function resourceEntry(t: ResourceType): JsonObject {
  const entry: JsonObject = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: [...t.verbs] };
  if (t.shortNames.length > 0) entry['shortNames'] = [...t.shortNames];
  if (t.categories.length > 0) entry['categories'] = [...t.categories];
  entry['storageVersionHash'] = Buffer.from(`${t.group}/${t.version}/${t.kind}`).toString('base64').slice(0, 11);
  return entry;
}

export function resourceList(registry: ResourceRegistry, groupName: string, version: string): JsonObject | undefined {
  const types = registry.resourcesIn(groupName, version);
  if (!types || types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of [...types].sort((a, b) => a.plural.localeCompare(b.plural))) {
    resources.push(resourceEntry(t));
    if (t.storeKey === '/pods') {
      resources.push({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    }
    if (t.storeKey === '/serviceaccounts') {
      resources.push({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
    }
    if (t.status) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    if (t.scale) resources.push({ name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupName ? `${groupName}/${version}` : version, resources };
}
