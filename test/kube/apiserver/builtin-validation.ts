// ValidateX / ValidateXUpdate for the built-in kinds, limited to the rules an operator is
// likely to trip over (required fields, selector/template agreement, immutable fields).
import type { FieldError } from './api-error.js';
import { isObject, jsonEqual, objectsIn, type JsonObject, type JsonValue } from './json.js';
import { fromLabelSelectorObject, matchesLabels } from './label-selector.js';

function labelsOf(v: JsonValue | undefined): Record<string, string> {
  return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
}

function validatePodSpec(spec: JsonValue | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(spec)) return [{ type: 'Required', field: path }];
  const containers = objectsIn(spec['containers']);
  if (containers.length === 0) errors.push({ type: 'Required', field: `${path}.containers` });
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const name = c['name'];
    if (typeof name !== 'string' || name === '') errors.push({ type: 'Required', field: `${path}.containers[${i}].name` });
    else if (seen.has(name)) errors.push({ type: 'Duplicate', field: `${path}.containers[${i}].name`, value: name });
    else seen.add(name);
    if (typeof c['image'] !== 'string' || c['image'] === '') errors.push({ type: 'Required', field: `${path}.containers[${i}].image` });
  });
  return errors;
}

function validateSelectorMatchesTemplate(spec: JsonObject, kind = 'statefulset'): FieldError[] {
  const selector = fromLabelSelectorObject(spec['selector']);
  if (!selector) return [{ type: 'Required', field: 'spec.selector' }];
  if (selector.length === 0) return [{ type: 'Invalid', field: 'spec.selector', value: spec['selector'], detail: `empty selector is invalid for ${kind}` }];
  const template = isObject(spec['template']) ? spec['template'] : {};
  const labels = labelsOf(isObject(template['metadata']) ? template['metadata']['labels'] : undefined);
  if (!matchesLabels(selector, labels)) {
    return [{ type: 'Invalid', field: 'spec.template.metadata.labels', value: labels, detail: '`selector` does not match template `labels`' }];
  }
  return [];
}

function validateReplicas(spec: JsonObject): FieldError[] {
  const r = spec['replicas'];
  return typeof r === 'number' && r < 0 ? [{ type: 'Invalid', field: 'spec.replicas', value: r, detail: 'must be greater than or equal to 0' }] : [];
}

/** An int-or-string such as 1 or "25%": its value and whether it is a percentage, or an error. */
function intOrPercent(v: JsonValue | undefined, field: string): { value: number; percent: boolean } | FieldError | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v < 0 ? { type: 'Invalid', field, value: v, detail: 'must be greater than or equal to 0' } : { value: v, percent: false };
  const m = typeof v === 'string' ? /^(\d+)%$/.exec(v) : null;
  if (!m) return { type: 'Invalid', field, value: v, detail: "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" };
  return { value: Number(m[1]), percent: true };
}

/** ValidateDeploymentStrategy, ValidateRollingUpdateDeployment and the template's restart policy. */
function validateDeploymentSpec(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const strategy = isObject(spec['strategy']) ? spec['strategy'] : {};
  const type = strategy['type'];
  if (type === 'Recreate' && strategy['rollingUpdate'] !== undefined && strategy['rollingUpdate'] !== null) {
    errors.push({ type: 'Forbidden', field: 'spec.strategy.rollingUpdate', detail: "may not be specified when strategy `type` is 'Recreate'" });
  } else if (type !== 'Recreate' && type !== 'RollingUpdate') {
    errors.push({ type: 'NotSupported', field: 'spec.strategy.type', value: type ?? '', detail: 'supported values: "Recreate", "RollingUpdate"' });
  } else if (type === 'RollingUpdate') {
    const ru = isObject(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
    const unavailable = intOrPercent(ru['maxUnavailable'], 'spec.strategy.rollingUpdate.maxUnavailable');
    const surge = intOrPercent(ru['maxSurge'], 'spec.strategy.rollingUpdate.maxSurge');
    for (const v of [unavailable, surge]) if (v && 'type' in v) errors.push(v);
    if (unavailable && 'percent' in unavailable && unavailable.percent && unavailable.value > 100) {
      errors.push({ type: 'Invalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', value: ru['maxUnavailable'] ?? null, detail: 'must not be greater than 100%' });
    }
    if (unavailable && 'value' in unavailable && unavailable.value === 0 && surge && 'value' in surge && surge.value === 0) {
      errors.push({ type: 'Invalid', field: 'spec.strategy.rollingUpdate.maxUnavailable', value: ru['maxUnavailable'] ?? null, detail: 'may not be 0 when `maxSurge` is 0' });
    }
  }
  const deadline = spec['progressDeadlineSeconds'];
  if (typeof deadline === 'number' && deadline <= Number(spec['minReadySeconds'] ?? 0)) {
    errors.push({ type: 'Invalid', field: 'spec.progressDeadlineSeconds', value: deadline, detail: 'must be greater than minReadySeconds' });
  }
  return [...errors, ...validateAlwaysRestart(spec)];
}

/** Pods of Deployments and ReplicaSets run forever: only restartPolicy Always. */
function validateAlwaysRestart(spec: JsonObject): FieldError[] {
  const podSpec = isObject(spec['template']) && isObject(spec['template']['spec']) ? spec['template']['spec'] : {};
  const policy = podSpec['restartPolicy'];
  return policy !== undefined && policy !== 'Always' ? [{ type: 'NotSupported', field: 'spec.template.spec.restartPolicy', value: policy, detail: 'supported values: "Always"' }] : [];
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** Field errors for a built-in object; `old` is the stored object on update. */
export function validateBuiltin(storeKey: string, obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const spec = isObject(obj['spec']) ? obj['spec'] : {};
  switch (storeKey) {
    case '/pods': {
      const errors = validatePodSpec(obj['spec'], 'spec');
      if (old && isObject(old['spec'])) {
        // Only images, activeDeadlineSeconds and tolerations may change on a pod [ValidatePodUpdate].
        const strip = (s: JsonObject): JsonObject => ({ ...s, containers: objectsIn(s['containers']).map((c) => ({ ...c, image: '' })), initContainers: objectsIn(s['initContainers']).map((c) => ({ ...c, image: '' })), activeDeadlineSeconds: null, tolerations: null });
        if (!jsonEqual(strip(old['spec']), strip(spec))) {
          errors.push({ type: 'Forbidden', field: 'spec', detail: 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' });
        }
      }
      return errors;
    }
    case 'apps/statefulsets': {
      const errors = [...validateReplicas(spec), ...validateSelectorMatchesTemplate(spec), ...validatePodSpec(isObject(spec['template']) ? spec['template']['spec'] : undefined, 'spec.template.spec')];
      if (spec['podManagementPolicy'] !== undefined && !['OrderedReady', 'Parallel'].includes(String(spec['podManagementPolicy']))) {
        errors.push({ type: 'NotSupported', field: 'spec.podManagementPolicy', value: spec['podManagementPolicy'], detail: 'supported values: "OrderedReady", "Parallel"' });
      }
      if (old && isObject(old['spec'])) {
        const oldSpec = old['spec'];
        const fixed = (s: JsonObject): JsonObject => Object.fromEntries(Object.entries(s).filter(([k]) => !STS_MUTABLE.includes(k)));
        if (!jsonEqual(fixed(oldSpec), fixed(spec))) {
          errors.push({ type: 'Forbidden', field: 'spec', detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
        }
      }
      return errors;
    }
    case 'apps/deployments':
    case 'apps/replicasets': {
      const kind = storeKey === 'apps/deployments' ? 'deployment' : 'replicaset';
      const errors = [...validateReplicas(spec), ...validateSelectorMatchesTemplate(spec, kind),
        ...validatePodSpec(isObject(spec['template']) ? spec['template']['spec'] : undefined, 'spec.template.spec'),
        ...(kind === 'deployment' ? validateDeploymentSpec(spec) : validateAlwaysRestart(spec))];
      if (old && isObject(old['spec']) && !jsonEqual(old['spec']['selector'], spec['selector'])) {
        errors.push({ type: 'Invalid', field: 'spec.selector', value: spec['selector'], detail: 'field is immutable' });
      }
      return errors;
    }
    case '/services': {
      const errors: FieldError[] = [];
      const ports = objectsIn(spec['ports']);
      if (ports.length === 0 && spec['clusterIP'] !== 'None' && spec['type'] !== 'ExternalName') errors.push({ type: 'Required', field: 'spec.ports' });
      ports.forEach((p, i) => {
        if (ports.length > 1 && (typeof p['name'] !== 'string' || p['name'] === '')) errors.push({ type: 'Required', field: `spec.ports[${i}].name` });
        if (typeof p['port'] !== 'number' || p['port'] < 1 || p['port'] > 65535) errors.push({ type: 'Invalid', field: `spec.ports[${i}].port`, value: p['port'] ?? 0, detail: 'must be between 1 and 65535, inclusive' });
      });
      if (old && isObject(old['spec']) && old['spec']['clusterIP'] !== undefined && spec['clusterIP'] !== undefined && old['spec']['clusterIP'] !== spec['clusterIP']) {
        errors.push({ type: 'Invalid', field: 'spec.clusterIPs[0]', value: spec['clusterIP'], detail: 'may not change once set' });
      }
      return errors;
    }
    case '/configmaps':
    case '/secrets': {
      if (old && old['immutable'] === true) {
        const data = (o: JsonObject): JsonValue[] => [o['data'] ?? null, o['binaryData'] ?? null, o['immutable'] ?? null];
        if (!jsonEqual(data(old), data(obj))) return [{ type: 'Forbidden', field: 'data', detail: 'field is immutable when `immutable` is set' }];
      }
      return [];
    }
    case 'policy/poddisruptionbudgets': {
      if (spec['minAvailable'] !== undefined && spec['maxUnavailable'] !== undefined) {
        return [{ type: 'Invalid', field: 'spec', value: spec, detail: 'minAvailable and maxUnavailable cannot be both set' }];
      }
      return [];
    }
    default: return [];
  }
}
