// Fields of a JSON object that its Kubernetes Go type does not have, found by walking the object
// alongside the k8s.io/api schemas of protobuf/ (the same field catalogue the protobuf decoder
// uses): what `kubectl apply --validate=strict` refuses on a real cluster and the emulator, which
// keeps no OpenAPI schemas for built-in kinds, would otherwise accept silently.
import protobuf from 'protobufjs';
import { loadKubernetesSchemas } from './protobuf-body.js';

/** Types whose JSON form is a scalar or free JSON, not their message's fields. */
const LEAF_TYPES = new Set(['.meta.Time', '.meta.MicroTime', '.resource.Quantity', '.intstr.IntOrString', '.runtime.RawExtension', '.meta.FieldsV1']);

export interface FieldChecker {
  /** JSON paths (`spec.template.spec.containers[0].imagee`) the kind has no field for; undefined when the kind is unknown. */
  unknownFields(obj: Record<string, unknown>): string[] | undefined;
}

export function createFieldChecker(): FieldChecker {
  const { typeOf } = loadKubernetesSchemas();
  /** The JSON keys of a message: its fields, with inlined structs' fields in place of theirs. */
  const keysOf = (type: protobuf.Type): Map<string, protobuf.Field> => {
    const keys = new Map<string, protobuf.Field>();
    for (const field of type.fieldsArray) {
      const sub = field.resolvedType;
      if (field.options?.['(go)'] === 'inline' && sub instanceof protobuf.Type) for (const [k, f] of keysOf(sub)) keys.set(k, f);
      else keys.set(field.name, field);
    }
    return keys;
  };
  const walk = (type: protobuf.Type, value: unknown, at: string, out: string[]): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || LEAF_TYPES.has(type.fullName)) return;
    const keys = keysOf(type);
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const path = at === '' ? key : `${at}.${key}`;
      const field = keys.get(key);
      if (!field) { out.push(path); continue; }
      const sub = field.resolvedType;
      if (!(sub instanceof protobuf.Type)) continue;
      if (field.map) for (const [k, item] of Object.entries((v ?? {}) as Record<string, unknown>)) walk(sub, item, `${path}[${k}]`, out);
      else if (field.repeated) (Array.isArray(v) ? v : []).forEach((item, i) => walk(sub, item, `${path}[${i}]`, out));
      else walk(sub, v, path, out);
    }
  };
  return {
    unknownFields(obj) {
      const type = typeOf(String(obj['apiVersion'] ?? ''), String(obj['kind'] ?? ''));
      if (!type) return undefined;
      const { apiVersion: _v, kind: _k, ...rest } = obj;
      const out: string[] = [];
      walk(type, rest, '', out);
      return out;
    },
  };
}
