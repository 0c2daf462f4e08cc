// A CRD's `default` values must survive pruning unchanged and validate, once their own fields are
// defaulted, against their schema: the apiextensions-apiserver refuses the CRD otherwise (ValidateDefaults).
import type { FieldError } from './api-error.js';
import { defaultValue, pruneValue } from './crd-schema-normalize.js';
import { validateAgainstSchema } from './crd-schema-validate.js';
import { isObject, jsonEqual, type JsonObject } from './json.js';

/** Errors for every default under `schema`; `path` is e.g. spec.versions[0].schema.openAPIV3Schema. */
export function checkDefaults(schema: JsonObject, path: string): FieldError[] {
  const errors: FieldError[] = [];
  visit(schema, path, errors);
  return errors;
}

function visit(s: JsonObject, path: string, errors: FieldError[]): void {
  const value = s['default'];
  if (value !== undefined && value !== null) {
    const field = `${path}.default`;
    if (!jsonEqual(pruneValue(s, value), value)) errors.push({ type: 'Invalid', field, value, detail: 'must not have unknown fields' });
    else errors.push(...validateAgainstSchema(s, defaultValue(s, value), field));
  }
  if (isObject(s['properties'])) for (const [k, p] of Object.entries(s['properties'])) if (isObject(p)) visit(p, `${path}.properties[${k}]`, errors);
  if (isObject(s['items'])) visit(s['items'], `${path}.items`, errors);
  if (isObject(s['additionalProperties'])) visit(s['additionalProperties'], `${path}.additionalProperties`, errors);
}
