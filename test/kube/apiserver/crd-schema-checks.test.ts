// What the apiextensions-apiserver checks beyond structure: defaults that validate and survive
// pruning (else the CRD is refused), and the root metadata.name/generateName limits of a schema.
import { describe, expect, it } from '@jest/globals';
import { fieldErrorBody } from './api-error.js';
import { validateCrd } from './crd-controller.js';
import { checkDefaults } from './crd-default-check.js';
import { validateAgainstSchema } from './crd-schema-validate.js';
import type { JsonObject } from './json.js';

const at = 'spec.versions[0].schema.openAPIV3Schema';
const rendered = (errors: ReturnType<typeof checkDefaults>): string[] => errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);

function crdWith(schema: JsonObject): JsonObject {
  return {
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
  };
}

describe('CRD defaults', () => {
  it('accepts defaults that validate, nested {} defaults included', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', default: {}, properties: { replicas: { type: 'integer', minimum: 1, default: 3 } } } } };
    expect(checkDefaults(schema, at)).toEqual([]);
  });

  it('refuses a default outside its bounds, naming the default', () => {
    const schema = { type: 'object', properties: { replicas: { type: 'integer', minimum: 1, default: 0 } } };
    expect(rendered(checkDefaults(schema, at))).toEqual([
      `${at}.properties[replicas].default: Invalid value: 0: ${at}.properties[replicas].default in body should be greater than or equal to 1`,
    ]);
  });

  it('refuses an object default whose own fields, once defaulted, do not validate', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', default: {}, properties: { mode: { type: 'string', enum: ['a', 'b'], default: 'c' } } } } };
    const errors = rendered(checkDefaults(schema, at));
    expect(errors).toContain(`${at}.properties[spec].default.mode: Unsupported value: "c": supported values: "a", "b"`);
  });

  it('refuses a default with fields the schema would prune', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', default: { bogus: 1 }, properties: { a: { type: 'string' } } } } };
    expect(rendered(checkDefaults(schema, at))).toEqual([`${at}.properties[spec].default: Invalid value: "object": must not have unknown fields`]);
  });

  it('is part of CRD validation', () => {
    const errors = validateCrd(crdWith({ type: 'object', properties: { size: { type: 'string', maxLength: 2, default: 'large' } } }));
    expect(errors.map((e) => e.field)).toEqual([`${at}.properties[size].default`]);
  });
});

describe('root metadata limits', () => {
  const schema = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' } } } } };

  it('validates metadata.name with the schema', () => {
    expect(validateAgainstSchema(schema, { metadata: { name: 'abc' } })).toEqual([]);
    expect(rendered(validateAgainstSchema(schema, { metadata: { name: 'abcdef' } }))).toEqual(['metadata.name: Too long: may not be more than 5 bytes']);
    expect(rendered(validateAgainstSchema(schema, { metadata: { name: 'a1' } }))).toEqual(["metadata.name: Invalid value: \"a1\": metadata.name in body should match '^[a-z]+$'"]);
  });
});
