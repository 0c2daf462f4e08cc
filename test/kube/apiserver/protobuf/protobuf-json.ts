// Turns a decoded Kubernetes protobuf message into the JSON the apiserver would hold for it: the
// Go struct's encoding/json form, so a body sent as protobuf is stored exactly like the same
// object sent as JSON. The `(go)` field option in the schemas says how Go serialises the field.
import protobuf from 'protobufjs';
import type { JsonObject, JsonValue } from '../json.js';

/**
 * How the Go field is declared (the schemas' `[(go) = "..."]` option; none: a value with `omitempty`,
 * or a struct, which Go always writes):
 * - `ptr`: a pointer with omitempty, written whenever set, even to its zero value;
 * - `required`: no omitempty, written even when zero (`null` for an empty slice or map);
 * - `nullable`: a pointer without omitempty, `null` when unset;
 * - `inline`: an embedded struct whose fields join the parent's (`json:",inline"`).
 */
type GoTag = 'ptr' | 'required' | 'nullable' | 'inline' | undefined;

/** A message field that the schema does not know, found anywhere in the decoded tree. */
export interface UnknownField { type: string; field: number; wireType: number }

export function toGoJson(type: protobuf.Type, message: protobuf.Message): JsonObject {
  const out: JsonObject = {};
  const values = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const tag = goTag(field);
    const present = Object.prototype.hasOwnProperty.call(values, field.name);
    const value = values[field.name];
    if (field.map) {
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, fieldValue(field, v)]));
      else if (tag === 'required' || tag === 'nullable') out[field.name] = null;
      continue;
    }
    if (field.repeated) {
      const items = (value ?? []) as unknown[];
      if (items.length > 0) out[field.name] = items.map((v) => fieldValue(field, v));
      else if (tag === 'required' || tag === 'nullable') out[field.name] = null;
      continue;
    }
    if (field.resolvedType instanceof protobuf.Type) {
      if (!present) {
        // gogo always writes a struct that is not a pointer, so an absent one was a nil pointer.
        if (tag === 'required' || tag === 'nullable') out[field.name] = null;
        continue;
      }
      const converted = fieldValue(field, value);
      if (tag === 'inline' && converted !== null && typeof converted === 'object' && !Array.isArray(converted)) Object.assign(out, converted);
      else out[field.name] = converted;
      continue;
    }
    const scalar = scalarValue(field, value);
    if (tag === 'ptr') { if (present) out[field.name] = scalar; continue; }
    if (tag === 'nullable') { out[field.name] = present ? scalar : null; continue; }
    if (tag === 'required' || !isZero(scalar)) out[field.name] = scalar;
  }
  return out;
}

/** Every field of the tree that the schema did not know (protobufjs keeps them in `$unknowns`). */
export function findUnknownFields(type: protobuf.Type, message: protobuf.Message): UnknownField[] {
  const found: UnknownField[] = [];
  const visit = (t: protobuf.Type, m: Record<string, unknown>): void => {
    for (const raw of (m['$unknowns'] as Uint8Array[] | undefined) ?? []) {
      const key = protobuf.Reader.create(raw).uint32();
      found.push({ type: t.fullName.replace(/^\./, ''), field: key >>> 3, wireType: key & 7 });
    }
    for (const field of t.fieldsArray) {
      const sub = field.resolvedType;
      if (!(sub instanceof protobuf.Type)) continue;
      const v = m[field.name];
      const children = field.map ? Object.values((v ?? {}) as Record<string, unknown>) : field.repeated ? (v ?? []) as unknown[] : v === undefined ? [] : [v];
      for (const c of children) if (c !== null && typeof c === 'object') visit(sub, c as Record<string, unknown>);
    }
  };
  visit(type, message as unknown as Record<string, unknown>);
  return found;
}

function goTag(field: protobuf.Field): GoTag {
  return (field.options?.['(go)'] as GoTag) ?? undefined;
}

function fieldValue(field: protobuf.Field, value: unknown): JsonValue {
  const sub = field.resolvedType;
  if (sub instanceof protobuf.Type) return messageValue(sub, value as protobuf.Message);
  return scalarValue(field, value);
}

/** The types whose Go JSON form is not their struct: times, quantities, int-or-strings, raw JSON. */
function messageValue(type: protobuf.Type, message: protobuf.Message): JsonValue {
  const m = message as unknown as Record<string, unknown>;
  switch (type.fullName) {
    case '.meta.Time': return kubeTime(m, false);
    case '.meta.MicroTime': return kubeTime(m, true);
    // Quantity's proto form is its canonical string; an empty one is the zero quantity.
    case '.resource.Quantity': return typeof m['string'] === 'string' && m['string'] !== '' ? m['string'] : '0';
    case '.intstr.IntOrString': return toNumber(m['type']) === 1 ? String(m['strVal'] ?? '') : toNumber(m['intVal']);
    case '.runtime.RawExtension': return rawJson(m['raw']);
    case '.meta.FieldsV1': return rawJson(m['Raw']);
    default: return toGoJson(type, message);
  }
}

/**
 * metav1.Time: an empty message is the zero time (JSON null); seconds only, in UTC, since Time's
 * Unmarshal drops the nanoseconds. MicroTime keeps microseconds (RFC3339Micro).
 */
function kubeTime(m: Record<string, unknown>, micro: boolean): JsonValue {
  const hasSeconds = Object.prototype.hasOwnProperty.call(m, 'seconds');
  const hasNanos = Object.prototype.hasOwnProperty.call(m, 'nanos');
  if (!hasSeconds && !hasNanos) return null;
  const seconds = toNumber(m['seconds']);
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  const micros = Math.floor(toNumber(m['nanos']) / 1000);
  return `${iso}.${String(micros).padStart(6, '0')}Z`;
}

function rawJson(raw: unknown): JsonValue {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return null;
  return JSON.parse(Buffer.from(raw).toString('utf8')) as JsonValue;
}

function scalarValue(field: protobuf.Field, value: unknown): JsonValue {
  switch (field.type) {
    case 'bytes': return Buffer.from((value ?? new Uint8Array()) as Uint8Array).toString('base64');
    case 'string': return typeof value === 'string' ? value : '';
    case 'bool': return value === true;
    default: return toNumber(value);
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v && typeof v.toNumber === 'function') return (v.toNumber as () => number)();
  return 0;
}

function isZero(v: JsonValue): boolean {
  return v === '' || v === 0 || v === false || v === null;
}
