// SetDefaults_* for the built-in kinds the operator writes, so objects read back as from a
// real cluster (and kubectl apply's three-way diff sees the same defaults).
import { childObject, isObject, objectsIn, type JsonObject, type JsonValue } from './json.js';

function setDefault(obj: JsonObject, key: string, value: JsonValue): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

function defaultProbe(probe: JsonValue | undefined): void {
  if (!isObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (isObject(probe['httpGet'])) {
    setDefault(probe['httpGet'], 'path', '/');
    setDefault(probe['httpGet'], 'scheme', 'HTTP');
  }
}

function defaultContainer(c: JsonObject): void {
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const tag = /@/.test(image) ? 'digest' : /:([^/:]+)$/.exec(image)?.[1] ?? 'latest';
  setDefault(c, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of objectsIn(c['ports'])) setDefault(p, 'protocol', 'TCP');
  for (const e of objectsIn(c['env'])) {
    const from = e['valueFrom'];
    if (isObject(from) && isObject(from['fieldRef'])) setDefault(from['fieldRef'], 'apiVersion', 'v1');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
}

/** SetDefaults_PodSpec plus the tolerations the DefaultTolerationSeconds admission plugin adds. */
export function defaultPodSpec(spec: JsonObject, admission: boolean): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  for (const c of [...objectsIn(spec['containers']), ...objectsIn(spec['initContainers'])]) defaultContainer(c);
  for (const v of objectsIn(spec['volumes'])) {
    for (const src of ['configMap', 'secret'] as const) {
      if (isObject(v[src])) setDefault(v[src], 'defaultMode', 420);
    }
  }
  if (!admission) return;
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec['serviceAccountName'] ?? 'default');
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = objectsIn(spec['tolerations']);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t['key'] === key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec['tolerations'] = tolerations;
}

function defaultTemplate(spec: JsonObject): void {
  const template = childObject(spec, 'template');
  childObject(template, 'metadata');
  defaultPodSpec(childObject(template, 'spec'), false);
}

/** The QoS class a pod's resources give it (status.qosClass). */
export function podQosClass(spec: JsonObject): string {
  const containers = objectsIn(spec['containers']);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isObject(c['resources']) ? c['resources'] : {};
    const req = isObject(res['requests']) ? res['requests'] : {};
    const lim = isObject(res['limits']) ? res['limits'] : {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Defaults per built-in kind (by store key); `create` also resets status as PrepareForCreate does. */
export function applyBuiltinDefaults(storeKey: string, obj: JsonObject): void {
  const spec = (): JsonObject => childObject(obj, 'spec');
  switch (storeKey) {
    case '/namespaces': {
      const meta = childObject(obj, 'metadata');
      const labels = childObject(meta, 'labels');
      if (typeof meta['name'] === 'string') labels['kubernetes.io/metadata.name'] = meta['name'];
      setDefault(spec(), 'finalizers', ['kubernetes']);
      setDefault(childObject(obj, 'status'), 'phase', 'Active');
      break;
    }
    case '/pods': defaultPodSpec(spec(), true); break;
    case '/services': {
      const s = spec();
      setDefault(s, 'type', 'ClusterIP');
      setDefault(s, 'sessionAffinity', 'None');
      setDefault(s, 'internalTrafficPolicy', 'Cluster');
      for (const p of objectsIn(s['ports'])) {
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'targetPort', p['port'] ?? null);
      }
      if (s['type'] === 'NodePort' || s['type'] === 'LoadBalancer') setDefault(s, 'externalTrafficPolicy', 'Cluster');
      break;
    }
    case '/secrets': {
      setDefault(obj, 'type', 'Opaque');
      // stringData is write-only: merged into data as base64 and dropped [core/v1 Secret].
      if (isObject(obj['stringData'])) {
        const data = childObject(obj, 'data');
        for (const [k, v] of Object.entries(obj['stringData'])) data[k] = Buffer.from(String(v)).toString('base64');
        delete obj['stringData'];
      }
      break;
    }
    case 'apps/statefulsets': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      // An empty strategy object (what Go clients send for the zero struct) gets its type too.
      const us = childObject(s, 'updateStrategy');
      setDefault(us, 'type', 'RollingUpdate');
      if (us['type'] === 'RollingUpdate') setDefault(childObject(us, 'rollingUpdate'), 'partition', 0);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      defaultTemplate(s);
      break;
    }
    case 'apps/deployments': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      const st = childObject(s, 'strategy');
      setDefault(st, 'type', 'RollingUpdate');
      if (st['type'] === 'RollingUpdate') {
        const ru = childObject(st, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      defaultTemplate(s);
      break;
    }
    case 'apps/replicasets': {
      setDefault(spec(), 'replicas', 1);
      defaultTemplate(spec());
      break;
    }
    case 'apiextensions.k8s.io/customresourcedefinitions': {
      const s = spec();
      const names = childObject(s, 'names');
      if (typeof names['kind'] === 'string') {
        setDefault(names, 'listKind', `${names['kind']}List`);
        setDefault(names, 'singular', names['kind'].toLowerCase());
      }
      setDefault(s, 'conversion', { strategy: 'None' });
      break;
    }
    default: break;
  }
}

/** The status a freshly created object starts with (PrepareForCreate). */
export function initialStatus(storeKey: string, obj: JsonObject): JsonValue | undefined {
  switch (storeKey) {
    case '/pods': return { phase: 'Pending', qosClass: podQosClass(isObject(obj['spec']) ? obj['spec'] : {}) };
    case '/services': return { loadBalancer: {} };
    case '/namespaces': return { phase: 'Active' };
    case 'apps/statefulsets': return { replicas: 0, availableReplicas: 0 };
    case 'apps/deployments': return {};
    case 'apps/replicasets': return { replicas: 0 };
    case 'policy/poddisruptionbudgets': return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    case 'apiextensions.k8s.io/customresourcedefinitions': return { conditions: [], acceptedNames: { kind: '', plural: '' }, storedVersions: [] };
    default: return undefined;
  }
}
