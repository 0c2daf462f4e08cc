// x-kubernetes-validations: rules compiled with the CRD (refused when they do not compile or are not
// bool) and evaluated on custom resources with the apiserver's messages, transition rules included.
import { describe, expect, it } from '@jest/globals';
import { fieldErrorBody, type FieldError } from './api-error.js';
import { CelRules } from './crd-cel.js';
import type { JsonObject } from './json.js';

const rendered = (errors: FieldError[]): string[] => errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
const at = 'spec.versions[0].schema.openAPIV3Schema';

const schema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.min <= self.max', message: 'min must not exceed max' },
        { rule: "!has(self.mode) || self.mode != 'fixed' || has(self.size)", message: 'size is required', fieldPath: '.size', reason: 'FieldValueRequired' },
        { rule: 'self.max >= oldSelf.max', message: 'max may not shrink' },
      ],
      properties: {
        min: { type: 'integer', default: 1 },
        max: { type: 'integer', default: 3 },
        mode: { type: 'string' },
        size: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'size(self) <= 3', messageExpression: "'tag ' + self + ' is too long'" }] } },
      },
    },
  },
};

describe('CEL validation rules', () => {
  const cel = new CelRules();

  it('accepts rules that compile to bool', () => {
    expect(cel.compile(schema, at)).toEqual([]);
  });

  it('refuses rules that do not compile or are not bool, naming the rule', () => {
    const bad = { type: 'object', properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }, { rule: "self + 'x'" }, { rule: '' }] } } };
    const errors = cel.compile(bad, at);
    expect(errors.map((e) => [e.field, e.type])).toEqual([
      [`${at}.properties[a].x-kubernetes-validations[0].rule`, 'Invalid'],
      [`${at}.properties[a].x-kubernetes-validations[1].rule`, 'Invalid'],
      [`${at}.properties[a].x-kubernetes-validations[2].rule`, 'Required'],
    ]);
    expect(errors[0]?.detail).toMatch(/^compilation failed: /);
  });

  it('passes objects that hold the rules, with integers compared as CEL ints', () => {
    expect(cel.evaluate(schema, { spec: { min: 1, max: 2, mode: 'fixed', size: 4, tags: ['a', 'bcd'] } }, undefined)).toEqual([]);
  });

  it('names the field with the rule\'s message, fieldPath, reason and messageExpression', () => {
    expect(rendered(cel.evaluate(schema, { spec: { min: 5, max: 2, mode: 'fixed', tags: ['abcd'] } }, undefined))).toEqual([
      'spec: Invalid value: "object": min must not exceed max',
      'spec.size: Required value: size is required',
      'spec.tags[0]: Invalid value: "string": tag abcd is too long',
    ]);
  });

  it('runs transition rules on updates only, against the old value', () => {
    expect(cel.evaluate(schema, { spec: { min: 1, max: 2 } }, undefined)).toEqual([]);
    expect(rendered(cel.evaluate(schema, { spec: { min: 1, max: 2 } }, { spec: { min: 1, max: 3 } }))).toEqual(['spec: Invalid value: "object": max may not shrink']);
    expect(cel.evaluate(schema, { spec: { min: 1, max: 4 } }, { spec: { min: 1, max: 3 } })).toEqual([]);
  });
});
