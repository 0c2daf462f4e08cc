// zod -> structural schema, rule by rule, on small schemas: what a real API server would refuse
// (zod's safe-integer bounds aside, which are only noise) never reaches the CRD.
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { NonStructuralSchemaError, toStructuralSchema, type SchemaNode } from './structural-schema.js';

const props = (s: SchemaNode): Record<string, SchemaNode> => s['properties'] as Record<string, SchemaNode>;

function problemsOf(schema: z.ZodType): readonly string[] {
  try { toStructuralSchema(schema); } catch (err) {
    if (err instanceof NonStructuralSchemaError) return err.problems;
    throw err;
  }
  throw new Error('expected the schema to be refused');
}

describe('toStructuralSchema', () => {
  it('types every node, keeps required and descriptions, and drops $schema and additionalProperties: false', () => {
    const s = toStructuralSchema(z.strictObject({
      name: z.string().min(1).describe('The name.'),
      size: z.number().int().min(1).default(3).describe('How many.'),
    }).describe('A thing.'));
    expect(s).toEqual({
      description: 'A thing.',
      type: 'object',
      properties: {
        name: { description: 'The name.', type: 'string', minLength: 1 },
        size: { description: 'How many.', type: 'integer', default: 3, minimum: 1 },
      },
      required: ['name'],
    });
  });

  it('removes the safe-integer bounds zod adds to ints but keeps the ones the schema sets', () => {
    const s = toStructuralSchema(z.strictObject({
      any: z.number().int().describe('Any int.'),
      bounded: z.number().int().min(-5).max(9_007_199_254_740_991).describe('Bounded below.'),
    }));
    expect(props(s)['any']).toEqual({ description: 'Any int.', type: 'integer' });
    expect(props(s)['bounded']).toEqual({ description: 'Bounded below.', type: 'integer', minimum: -5 });
    expect(JSON.stringify(s)).not.toContain('9007199254740991');
  });

  it('writes records as additionalProperties with a type, and free-form objects as preserve-unknown-fields', () => {
    const s = toStructuralSchema(z.strictObject({
      labels: z.record(z.string(), z.string()).optional().describe('Labels.'),
      config: z.record(z.string(), z.unknown()).meta({ 'x-kubernetes-preserve-unknown-fields': true }).optional().describe('Anything.'),
    }));
    expect(props(s)['labels']).toEqual({ description: 'Labels.', type: 'object', additionalProperties: { type: 'string' } });
    expect(props(s)['config']).toEqual({ description: 'Anything.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('folds an int-or-string union into the flag, keeping the string pattern and the integer bound', () => {
    const quantity = z.union([z.number().int().min(0), z.string().regex(/^[0-9]+[KMG]i?$/)]).meta({ 'x-kubernetes-int-or-string': true });
    const s = toStructuralSchema(z.strictObject({ memory: quantity.optional().describe('Memory.') }));
    expect(props(s)['memory']).toEqual({ description: 'Memory.', minimum: 0, pattern: '^[0-9]+[KMG]i?$', 'x-kubernetes-int-or-string': true });
  });

  it('defaults nested objects to {} so that their own defaults apply, and carries CEL rules from .meta()', () => {
    const rule = { rule: 'self.a <= self.b', message: 'a must not exceed b' };
    const s = toStructuralSchema(z.strictObject({
      inner: z.strictObject({ a: z.number().int().default(1).describe('A.'), b: z.number().int().default(2).describe('B.') })
        .prefault({}).meta({ 'x-kubernetes-validations': [rule] }).describe('Inner.'),
    }));
    expect(props(s)['inner']).toMatchObject({ type: 'object', default: {}, 'x-kubernetes-validations': [rule] });
    expect(props(props(s)['inner'] ?? {})['a']).toMatchObject({ default: 1 });
  });

  it('writes literals as enums and drops formats the API server does not know', () => {
    const s = toStructuralSchema(z.strictObject({
      mode: z.literal('fixed').describe('Only one mode.'),
      path: z.string().startsWith('/').describe('A path.'),
    }));
    expect(props(s)['mode']).toEqual({ description: 'Only one mode.', type: 'string', enum: ['fixed'] });
    expect(props(s)['path']).not.toHaveProperty('format');
    expect(props(s)['path']).toMatchObject({ type: 'string', pattern: expect.any(String) as unknown });
  });

  it('refuses, naming the field, what a CRD cannot hold', () => {
    expect(problemsOf(z.strictObject({ a: z.string() }))).toEqual(['a: no description (kubectl explain shows it)']);
    expect(problemsOf(z.strictObject({ a: z.union([z.string(), z.boolean()]).describe('A.') }))[0]).toMatch(/^a: anyOf is not expressible/);
    expect(problemsOf(z.strictObject({ a: z.record(z.string(), z.unknown()).describe('A.') }))).toEqual(['a: a record of unknown values needs x-kubernetes-preserve-unknown-fields in .meta()']);
    expect(problemsOf(z.strictObject({ a: z.string().regex(/^(?!x)/).describe('A.') }))[0]).toMatch(/^a: pattern .* is not RE2/);
    expect(problemsOf(z.strictObject({ a: z.strictObject({}).describe('A.') }))[0]).toMatch(/^a: an object without properties/);
  });
});
