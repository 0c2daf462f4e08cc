// The scale subresource: an autoscaling/v1 Scale view of a StatefulSet, Deployment or a
// custom resource whose CRD declares specReplicasPath/statusReplicasPath/labelSelectorPath.
import { badRequest, conflict, invalid } from './api-error.js';
import { clone, getPath, isObject, metadataOf, setPath, stringAt, type JsonObject } from './json.js';
import { formatLabelSelector, fromLabelSelectorObject } from './label-selector.js';
import type { ResourceType } from './resource-type.js';

export function readScale(type: ResourceType, obj: JsonObject): JsonObject {
  const scale = type.scale;
  if (!scale) throw badRequest(`${type.plural} has no scale subresource`);
  const meta = metadataOf(obj);
  const specReplicas = getPath(obj, scale.specReplicasPath);
  const statusReplicas = getPath(obj, scale.statusReplicasPath);
  let selector: string | undefined;
  if (type.builtin) {
    // Built-ins publish the selector of spec.selector in the string form [apps/v1 scale].
    const parsed = fromLabelSelectorObject(isObject(obj['spec']) ? obj['spec']['selector'] : undefined);
    selector = parsed ? formatLabelSelector(parsed) : undefined;
  } else if (scale.labelSelectorPath) {
    const v = getPath(obj, scale.labelSelectorPath);
    selector = typeof v === 'string' ? v : undefined;
  }
  const status: JsonObject = { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 };
  if (selector) status['selector'] = selector;
  const outMeta: JsonObject = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp']) if (meta[k] !== undefined) outMeta[k] = meta[k] ?? null;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: outMeta,
    spec: typeof specReplicas === 'number' ? { replicas: specReplicas } : {}, status,
  };
}

/** The object with the Scale's spec.replicas written to specReplicasPath; stale versions conflict. */
export function writeScale(type: ResourceType, current: JsonObject, scaleObj: JsonObject): JsonObject {
  const scale = type.scale;
  if (!scale) throw badRequest(`${type.plural} has no scale subresource`);
  const meta = metadataOf(current);
  const sent = stringAt(metadataOf(scaleObj), 'resourceVersion');
  if (sent && sent !== stringAt(meta, 'resourceVersion')) throw conflict(type, stringAt(meta, 'name') ?? '');
  const spec = isObject(scaleObj['spec']) ? scaleObj['spec'] : {};
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    throw invalid('Scale', 'autoscaling', stringAt(meta, 'name') ?? '', [{ type: 'Invalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be greater than or equal to 0' }]);
  }
  const next = clone(current);
  setPath(next, scale.specReplicasPath, typeof replicas === 'number' ? replicas : 0);
  metadataOf(next)['resourceVersion'] = meta['resourceVersion'] ?? null;
  return next;
}
