// zod -> a structural OpenAPI v3 schema as apiextensions.k8s.io/v1 requires it: zod's JSON Schema
// (openapi-3.0 target, input side so that defaulted fields are optional) rewritten node by node,
// refusing anything a CRD cannot express instead of emitting a schema a real API server rejects.
import { z } from 'zod';

export type SchemaNode = { [key: string]: unknown };

export class NonStructuralSchemaError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the zod schema cannot become a structural CRD schema:\n  ${problems.join('\n  ')}`);
    this.name = 'NonStructuralSchemaError';
  }
}

/** Formats the apiextensions validator knows; zod's own (starts_with, regex, ...) mean nothing to it. */
const KUBE_FORMATS = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
  'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration',
  'datetime', 'date-time', 'int32', 'int64', 'float', 'double',
]);
/** Keys of zod's output that carry nothing for Kubernetes. */
const DROPPED_KEYS = ['$schema', 'id', '$id', 'propertyNames'];
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** Go's RE2 (the API server's regexp engine) has no lookaround and no backreferences. */
const NON_RE2 = /\(\?[=!<]|\\[1-9]/;

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The structural schema of a zod type; throws NonStructuralSchemaError naming every bad node. */
export function toStructuralSchema(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw', cycles: 'throw', reused: 'inline' }) as SchemaNode;
  const problems: string[] = [];
  const out = structuralize(json, '<root>', problems);
  if (problems.length > 0) throw new NonStructuralSchemaError(problems);
  return out;
}

/** Rewrites one node (and its children); pure, problems are appended with their path. */
export function structuralize(input: SchemaNode, path: string, problems: string[]): SchemaNode {
  const node: SchemaNode = { ...input };
  for (const key of DROPPED_KEYS) delete node[key];
  if (node['const'] !== undefined) { node['enum'] = [node['const']]; delete node['const']; }
  if (node['x-kubernetes-int-or-string'] === true) foldIntOrString(node, path, problems);
  for (const combinator of ['anyOf', 'oneOf', 'allOf', 'not']) {
    if (node[combinator] !== undefined) {
      problems.push(`${path}: ${combinator} is not expressible here (a union needs x-kubernetes-int-or-string, an intersection a single object)`);
      delete node[combinator];
    }
  }
  const type = node['type'];
  if (type === 'integer') dropSafeIntegerBounds(node);
  if (typeof node['format'] === 'string' && !KUBE_FORMATS.has(node['format'])) delete node['format'];
  if (typeof node['pattern'] === 'string' && NON_RE2.test(node['pattern'])) problems.push(`${path}: pattern ${node['pattern']} is not RE2 (the API server's regexp engine)`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === undefined && node['x-kubernetes-int-or-string'] !== true) {
    if (preserve) node['type'] = 'object';
    else problems.push(`${path}: no type (give it one, or x-kubernetes-preserve-unknown-fields / x-kubernetes-int-or-string in .meta())`);
  } else if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type))) {
    problems.push(`${path}: type ${JSON.stringify(type)} is not one of ${[...TYPES].join(', ')}`);
  }
  if (node['type'] === 'object') structuralizeObject(node, path, problems, preserve);
  if (node['type'] === 'array') {
    if (isNode(node['items'])) node['items'] = structuralize(node['items'], `${path}[*]`, problems);
    else problems.push(`${path}: an array needs one items schema`);
  }
  return ordered(node);
}

const FIRST_KEYS = ['description', 'type'];
const LAST_KEYS = ['properties', 'required', 'items', 'additionalProperties'];

/** Keys in reading order (description and type first, children last, extensions at the end): the YAML reads like a hand-written CRD. */
function ordered(node: SchemaNode): SchemaNode {
  const rank = (key: string): number => {
    if (FIRST_KEYS.includes(key)) return FIRST_KEYS.indexOf(key);
    if (key.startsWith('x-kubernetes-')) return 30;
    if (LAST_KEYS.includes(key)) return 10 + LAST_KEYS.indexOf(key);
    return 5;
  };
  const keys = Object.keys(node).map((key, index) => ({ key, index })).sort((a, b) => rank(a.key) - rank(b.key) || a.index - b.index);
  return Object.fromEntries(keys.map(({ key }) => [key, node[key]]));
}

function structuralizeObject(node: SchemaNode, path: string, problems: string[], preserve: boolean): void {
  const properties = node['properties'];
  const extra = node['additionalProperties'];
  if (isNode(properties) && Object.keys(properties).length > 0) {
    // Unknown fields are pruned or refused by the API server itself; `false` beside properties is not structural.
    if (extra !== undefined && extra !== false) problems.push(`${path}: properties and additionalProperties cannot both be set`);
    delete node['additionalProperties'];
    const next: SchemaNode = {};
    for (const [name, child] of Object.entries(properties)) {
      if (!isNode(child)) continue;
      const childPath = path === '<root>' ? name : `${path}.${name}`;
      if (typeof child['description'] !== 'string' || child['description'].trim() === '') problems.push(`${childPath}: no description (kubectl explain shows it)`);
      next[name] = structuralize(child, childPath, problems);
    }
    node['properties'] = next;
    if (Array.isArray(node['required']) && node['required'].length === 0) delete node['required'];
  } else if (preserve) {
    // A free-form object: its content is kept as written, not described.
    delete node['additionalProperties'];
    delete node['properties'];
  } else if (isNode(extra)) {
    if (Object.keys(extra).length === 0) problems.push(`${path}: a record of unknown values needs x-kubernetes-preserve-unknown-fields in .meta()`);
    else node['additionalProperties'] = structuralize(extra, `${path}[*]`, problems);
  } else {
    // An object with no fields at all: the API server would prune everything written into it.
    problems.push(`${path}: an object without properties (strictObject({}) prunes everything)`);
  }
}

/**
 * An int-or-string union becomes the flag alone, with the string branch's validations (pattern,
 * lengths) and the integer branch's bounds beside it: each applies only to values of its type.
 */
function foldIntOrString(node: SchemaNode, path: string, problems: string[]): void {
  const branches = Array.isArray(node['anyOf']) ? node['anyOf'].filter(isNode) : [];
  delete node['anyOf'];
  delete node['type'];
  for (const branch of branches) {
    const { type, ...validations } = branch;
    if (type !== 'integer' && type !== 'string') { problems.push(`${path}: an int-or-string union has a ${String(type)} branch`); continue; }
    if (type === 'integer') dropSafeIntegerBounds(validations);
    for (const [key, value] of Object.entries(validations)) {
      if (key === 'format' && typeof value === 'string' && !KUBE_FORMATS.has(value)) continue;
      if (node[key] === undefined) node[key] = value;
    }
  }
}

/** zod marks every int with +-(2^53-1); a CRD does not need them and they clutter `kubectl explain`. */
function dropSafeIntegerBounds(node: SchemaNode): void {
  if (node['minimum'] === Number.MIN_SAFE_INTEGER) delete node['minimum'];
  if (node['maximum'] === Number.MAX_SAFE_INTEGER) delete node['maximum'];
}
