// What `meshmq --help` says of each MESHMQ_* variable: its key, what it accepts and its default,
// read from the zod schema itself (never written twice), beside the variable table's description.
import { CONFIG_ENV_VARS, CONFIG_FILE_ENV, describeBooleanRule, type ConfigEnvVar } from '../contract/config-env.js';
import { configSchema } from './schema.js';

export interface KeyFacts {
  /** What the key accepts, for people: "one of debug, info, warn, error", "an integer from 0 to 65535". */
  readonly accepts: string;
  /** The default as a variable would spell it, or what happens when unset. */
  readonly default: string;
}

/** Keys whose absence means something the schema cannot say. */
const UNSET_MEANS: Readonly<Record<string, string>> = {
  nodeName: 'the host name',
  'cluster.cookie': 'none (required when clustered)',
  'cluster.seeds': 'none',
  'cluster.dnsServer': 'the system resolver',
  'auth.apiToken': 'none (reads open, changes from this host only)',
  'auth.usersFile': 'none (no users)',
  'listeners.tls.certFile': 'none (no TLS listener)',
};

interface SchemaNode {
  readonly def: { readonly type: string; readonly innerType?: SchemaNode; readonly defaultValue?: unknown; readonly element?: SchemaNode; readonly checks?: ReadonlyArray<{ _zod: { def: Record<string, unknown> } }> };
  readonly shape?: Record<string, SchemaNode>;
  readonly options?: readonly unknown[];
  readonly minValue?: number | null;
  readonly maxValue?: number | null;
  readonly isInt?: boolean;
}

/** The schema node at a dotted key, with the default met on the way; undefined for an unknown key. */
function nodeAt(key: string): { node: SchemaNode; defaultValue: unknown } | undefined {
  let node = configSchema as unknown as SchemaNode;
  for (const segment of key.split('.')) {
    const next = unwrap(node).node.shape?.[segment];
    if (next === undefined) return undefined;
    node = next;
  }
  return unwrap(node);
}

/** Strips optional/default/prefault wrappers, remembering the innermost default. */
function unwrap(node: SchemaNode): { node: SchemaNode; defaultValue: unknown } {
  let current = node;
  let defaultValue: unknown;
  while (current.def.innerType !== undefined) {
    if (current.def.type === 'default' && defaultValue === undefined) defaultValue = current.def.defaultValue;
    current = current.def.innerType;
  }
  return { node: current, defaultValue };
}

export function describeConfigKey(key: string): KeyFacts | undefined {
  const found = nodeAt(key);
  if (found === undefined) return undefined;
  return { accepts: acceptsOf(found.node), default: defaultOf(key, found.defaultValue) };
}

function acceptsOf(node: SchemaNode): string {
  switch (node.def.type) {
    case 'enum': return `one of ${(node.options ?? []).map(String).join(', ')}`;
    case 'boolean': return describeBooleanRule();
    case 'number': {
      const kind = node.isInt === true ? 'an integer' : 'a number';
      const min = finite(node.minValue);
      const max = finite(node.maxValue);
      if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
      if (min !== undefined) return `${kind} >= ${min}`;
      return kind;
    }
    case 'array': return `a comma-separated list of ${node.def.element === undefined ? 'values' : acceptsOf(node.def.element).replace(/^an? /, '')}s`;
    case 'string': {
      const min = node.def.checks?.map((c) => c._zod.def).find((d) => d['check'] === 'min_length')?.['minimum'];
      const pattern = node.def.checks?.some((c) => c._zod.def['check'] === 'string_format' && c._zod.def['format'] === 'regex');
      if (pattern === true) return 'host:port';
      return typeof min === 'number' && min > 1 ? `text of at least ${min} characters` : 'text';
    }
    default: return node.def.type;
  }
}

function finite(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
}

function defaultOf(key: string, value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? UNSET_MEANS[key] ?? 'none' : value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return UNSET_MEANS[key] ?? 'not set';
}

/** The help text's environment section: every variable with its key, what it accepts and its default. */
export function describeEnvVars(rows: readonly ConfigEnvVar[] = CONFIG_ENV_VARS): string {
  const lines = [
    `Environment variables: each sets the configuration key under it and wins over the file (${CONFIG_FILE_ENV} names`,
    'the file). An empty variable counts as unset.',
  ];
  const width = Math.max(...rows.map((r) => r.variable.length));
  for (const row of rows) {
    const facts = describeConfigKey(row.key);
    lines.push(`  ${row.variable.padEnd(width)}  ${row.description}`);
    lines.push(`  ${''.padEnd(width)}  ${row.key}: ${facts === undefined ? 'not a key of this version' : `${facts.accepts}; default ${facts.default}`}`);
  }
  return lines.join('\n');
}
