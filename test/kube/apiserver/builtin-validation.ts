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

function validateSelectorMatchesTemplate(spec: JsonObject): FieldError[] {
  const selector = fromLabelSelectorObject(spec['selector']);
  if (!selector) return [{ type: 'Required', field: 'spec.selector' }];
  if (selector.length === 0) return [{ type: 'Invalid', field: 'spec.selector', value: spec['selector'], detail: 'empty selector is invalid for statefulset' }];
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
    case 'apps/deployments': {
      const errors = [...validateReplicas(spec), ...validateSelectorMatchesTemplate(spec)];
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
