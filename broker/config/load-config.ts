// Loads the configuration: a YAML/JSON file (`--config FILE` or MESHMQ_CONFIG), then the
// MESHMQ_* variables on top, validated by the one zod schema plus cross-key rules. Pure given
// its inputs; every problem names the key, where it came from, the value and what is allowed.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CONFIG_ENV_VARS, CONFIG_FILE_ENV, describeBooleanRule, parseBooleanWord, type ConfigEnvVar } from '../contract/config-env.js';
import { nearestName } from './nearest-name.js';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** One line per problem, already naming key, source, value and what is allowed. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`, options);
    this.problems = problems;
  }
}

export interface LoadConfigInput {
  /** Command-line arguments after the subcommand (only `--config` / `-c` is read). */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => string;
  hostname: string;
}

export interface LoadedConfig {
  config: Config;
  /** Things worth logging that do not stop the start (unknown MESHMQ_* variables). */
  warnings: string[];
  /** The configuration file read, if any. */
  file: string | undefined;
}

type Origin = { kind: 'env'; row: ConfigEnvVar; raw: string } | { kind: 'file'; file: string };
type Tree = Record<string, unknown>;

const SECRET_KEYS = new Set(CONFIG_ENV_VARS.filter((r) => r.secret).map((r) => r.key));
const KNOWN_VARIABLES = new Set([CONFIG_FILE_ENV, ...CONFIG_ENV_VARS.map((r) => r.variable)]);

export function loadConfig(input: LoadConfigInput): LoadedConfig {
  const file = configFileFrom(input.argv) ?? nonEmpty(input.env[CONFIG_FILE_ENV]);
  const tree: Tree = file === undefined ? {} : readConfigFile(file, input.readFile);
  const origins = new Map<string, Origin>();
  if (file !== undefined) for (const path of leafPaths(tree)) origins.set(path, { kind: 'file', file });

  const problems: string[] = [];
  for (const row of CONFIG_ENV_VARS) {
    const raw = nonEmpty(input.env[row.variable]);
    if (raw === undefined) continue;
    const parsed = parseEnvValue(row, raw);
    if (!parsed.ok) { problems.push(`${row.variable}=${shown(row.secret === true, raw)}: ${row.key} ${parsed.requirement}`); continue; }
    setPath(tree, row.key.split('.'), parsed.value);
    origins.set(row.key, { kind: 'env', row, raw });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = configSchema.safeParse(tree);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue, tree, origins, file)));

  const config = { ...result.data, nodeName: result.data.nodeName ?? input.hostname };
  const crossProblems = checkCrossKeyRules(config, origins);
  if (crossProblems.length > 0) throw new ConfigError(crossProblems);

  const warnings = Object.keys(input.env)
    .filter((name) => name.startsWith('MESHMQ_') && !KNOWN_VARIABLES.has(name))
    .sort()
    .map(describeUnknownVariable);
  return { config: deepFreeze(config), warnings, file };
}

function describeUnknownVariable(name: string): string {
  const near = nearestName(name, KNOWN_VARIABLES);
  return `unknown environment variable ${name} ignored${near === undefined ? '' : `: did you mean ${near}?`} (\`meshmq --help\` lists every variable)`;
}

function configFileFrom(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--config=')) return requireValue(arg.slice('--config='.length));
    if (arg === '--config' || arg === '-c') return requireValue(argv[i + 1]);
  }
  return undefined;
}

function requireValue(value: string | undefined): string {
  if (value === undefined || value === '' || value.startsWith('-')) throw new ConfigError(['--config needs a file name']);
  return value;
}

function readConfigFile(file: string, readFile: (path: string) => string): Tree {
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    throw new ConfigError([`config file ${file}: cannot be read (${(err as Error).message})`], { cause: err });
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    data = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`config file ${file}: not valid YAML or JSON: ${(err as Error).message}`], { cause: err });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`config file ${file}: must hold a mapping of keys, got ${Array.isArray(data) ? 'a list' : typeof data}`]);
  return data as Tree;
}

type Parsed = { ok: true; value: unknown } | { ok: false; requirement: string };

function parseEnvValue(row: ConfigEnvVar, raw: string): Parsed {
  switch (row.kind) {
    case 'string': return { ok: true, value: raw };
    case 'integer':
      return /^-?\d+$/.test(raw.trim()) ? { ok: true, value: Number(raw.trim()) } : { ok: false, requirement: 'must be an integer' };
    case 'boolean': {
      const value = parseBooleanWord(raw);
      return value === undefined ? { ok: false, requirement: `must be ${describeBooleanRule()}` } : { ok: true, value };
    }
    case 'list': return { ok: true, value: raw.split(',').map((s) => s.trim()).filter((s) => s !== '') };
  }
}

function describeIssue(issue: z.core.$ZodIssue, tree: Tree, origins: Map<string, Origin>, file: string | undefined): string[] {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const key = [...segments, k].join('.');
      return `${file === undefined ? '' : `config file ${file}: `}unknown key ${key}${allowedKeysText(segments)}`;
    });
  }
  const key = segments.join('.') || '(root)';
  const requirement = requirementOf(issue);
  const origin = originOf(segments, origins);
  if (origin?.kind === 'env') return [`${origin.row.variable}=${shown(origin.row.secret === true, origin.raw)}: ${key} ${requirement}`];
  const value = valueAt(tree, segments);
  const where = origin?.kind === 'file' ? `config file ${origin.file}: ` : '';
  return [`${where}${key}=${shown(isSecretPath(segments), JSON.stringify(value) ?? 'undefined')}: ${key} ${requirement}`];
}

function requirementOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value': return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type': {
      // Booleans are spelled one way in the file and the variables alike (config-env.ts).
      if (issue.expected === 'boolean') return `must be ${describeBooleanRule()}`;
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
    case 'too_small': {
      const bound = `${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
      if (issue.origin === 'string') return `must be ${bound} characters long`;
      if (issue.origin === 'array') return `must have ${bound} entries`;
      return `must be ${bound}`;
    }
    case 'too_big': {
      const bound = `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
      if (issue.origin === 'string') return `must be ${bound} characters long`;
      if (issue.origin === 'array') return `must have ${bound} entries`;
      return `must be ${bound}`;
    }
    case 'invalid_format':
      if (issue.format === 'starts_with') return `must start with "${(issue as { prefix?: string }).prefix ?? ''}"`;
      return `must be ${issue.message}`;
    default: return `is not valid: ${issue.message}`;
  }
}

/** "; allowed: a, b" for the object at `segments` in the schema, when it can be found. */
function allowedKeysText(segments: string[]): string {
  let schema: unknown = configSchema;
  for (const s of [...segments, '']) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (shape === undefined) return '';
    if (s === '') return `; allowed: ${Object.keys(shape).join(', ')}`;
    schema = shape[s];
  }
  return '';
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown } } | undefined;
  while (s?.def?.innerType !== undefined) s = s.def.innerType as typeof s;
  return s;
}

function checkCrossKeyRules(config: Config, origins: Map<string, Origin>): string[] {
  const problems: string[] = [];
  const src = (key: string): string => {
    const origin = origins.get(key);
    if (origin?.kind === 'env') return ` (${origin.row.variable})`;
    if (origin?.kind === 'file') return ` (config file ${origin.file})`;
    return '';
  };
  const howToSet = (key: string): string => {
    const row = CONFIG_ENV_VARS.find((r) => r.key === key);
    return row === undefined ? key : `${key} or ${row.variable}`;
  };
  const { cluster, store, listeners } = config;
  if (cluster.discovery !== 'none' && cluster.cookie === undefined) {
    problems.push(`cluster.discovery=${cluster.discovery}${src('cluster.discovery')} needs a cluster cookie: set ${howToSet('cluster.cookie')}`);
  }
  if (cluster.discovery === 'static' && cluster.seeds.length === 0) {
    problems.push(`cluster.discovery=static${src('cluster.discovery')} needs peers: set ${howToSet('cluster.seeds')}`);
  }
  if (cluster.discovery === 'dns' && cluster.dnsName === undefined) {
    problems.push(`cluster.discovery=dns${src('cluster.discovery')} needs a name to resolve: set ${howToSet('cluster.dnsName')}`);
  }
  problems.push(...checkStoreRules(store, src, howToSet));
  for (const [prefix, tls] of [['listeners.tls', listeners.tls], ['cluster.tls', cluster.tls]] as const) {
    if (tls === undefined) continue;
    if (tls.certFile !== undefined && tls.keyFile === undefined) problems.push(`${prefix}.certFile${src(`${prefix}.certFile`)} is set without a key: set ${howToSet(`${prefix}.keyFile`)}`);
    if (tls.keyFile !== undefined && tls.certFile === undefined) problems.push(`${prefix}.keyFile${src(`${prefix}.keyFile`)} is set without a certificate: set ${howToSet(`${prefix}.certFile`)}`);
  }
  if (!config.auth.allowAnonymous && config.auth.usersFile === undefined) {
    // Nothing else authenticates a client (a TLS client certificate alone does not): every CONNECT would be refused.
    problems.push(`auth.allowAnonymous=false${src('auth.allowAnonymous')} with no users file would refuse every client: set ${howToSet('auth.usersFile')} (entries from \`meshmq passwd\`), or allow anonymous clients`);
  }
  if (cluster.suspectAfterMs >= cluster.downAfterMs) {
    problems.push(`cluster.suspectAfterMs=${cluster.suspectAfterMs}${src('cluster.suspectAfterMs')} must be less than cluster.downAfterMs=${cluster.downAfterMs}${src('cluster.downAfterMs')}`);
  }
  const ports: Array<[string, number]> = [];
  if (listeners.mqtt.enabled) ports.push(['listeners.mqtt.port', listeners.mqtt.port]);
  if (listeners.ws.enabled) ports.push(['listeners.ws.port', listeners.ws.port]);
  if (listeners.tls.certFile !== undefined) ports.push(['listeners.tls.port', listeners.tls.port]);
  if (listeners.http.enabled) ports.push(['listeners.http.port', listeners.http.port]);
  if (cluster.discovery !== 'none') ports.push(['cluster.port', cluster.port]);
  const seen = new Map<number, string>();
  for (const [key, port] of ports) {
    const other = seen.get(port);
    // Port 0 asks the kernel for a free port: several listeners may share it.
    if (other !== undefined && port !== 0) problems.push(`${key}=${port}${src(key)} is already used by ${other}: every listener needs its own port`);
    else seen.set(port, key);
  }
  return problems;
}

/** The Redis settings that only make sense together. */
function checkStoreRules(store: Config['store'], src: (key: string) => string, howToSet: (key: string) => string): string[] {
  const problems: string[] = [];
  if (store.type !== 'redis') return problems;
  const sentinels = store.redisSentinels.length > 0;
  const clusterNodes = store.redisClusterNodes.length > 0;
  if (store.redisUrl === undefined && !sentinels && !clusterNodes) {
    problems.push(`store.type=redis${src('store.type')} needs a Redis to use: set ${howToSet('store.redisUrl')}, or ${howToSet('store.redisSentinels')} with ${howToSet('store.redisSentinelName')}, or ${howToSet('store.redisClusterNodes')}`);
  }
  if (sentinels && clusterNodes) {
    problems.push(`store.redisSentinels${src('store.redisSentinels')} and store.redisClusterNodes${src('store.redisClusterNodes')} are both set: use Sentinel or Redis Cluster, not both`);
  }
  if (sentinels && store.redisSentinelName === undefined) {
    problems.push(`store.redisSentinels${src('store.redisSentinels')} needs the master's name: set ${howToSet('store.redisSentinelName')}`);
  }
  if (clusterNodes && store.minReplicas > 0) {
    problems.push(`store.minReplicas=${store.minReplicas}${src('store.minReplicas')} is not supported with store.redisClusterNodes${src('store.redisClusterNodes')}: Redis Cluster writes are acknowledged by their master only`);
  }
  return problems;
}

function originOf(segments: string[], origins: Map<string, Origin>): Origin | undefined {
  for (let n = segments.length; n > 0; n--) {
    const origin = origins.get(segments.slice(0, n).join('.'));
    if (origin !== undefined) return origin;
  }
  return undefined;
}

function isSecretPath(segments: string[]): boolean {
  return SECRET_KEYS.has(segments.join('.'));
}

function shown(secret: boolean, value: string): string {
  return secret ? redacted(value) : value;
}

/** A secret is never echoed; a URL with credentials is, with its password masked (it says what was tried). */
export function redacted(value: string): string {
  try {
    const url = new URL(value);
    if (url.host === '') return '<redacted>';
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<redacted>';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  // Empty variables count as unset: templates often render `NAME=` for absent values.
  return value === undefined || value.trim() === '' ? undefined : value;
}

function leafPaths(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? [path, ...leafPaths(v as Tree, path)] : [path];
  });
}

function valueAt(tree: unknown, segments: string[]): unknown {
  let node = tree;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Tree)[s];
  }
  return node;
}

function setPath(tree: Tree, segments: string[], value: unknown): void {
  let node = tree;
  for (const s of segments.slice(0, -1)) {
    const next = node[s];
    // A non-object in the file at this place is replaced: the variable wins, as it would for a leaf.
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[s] = {};
    node = node[s] as Tree;
  }
  node[segments[segments.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
