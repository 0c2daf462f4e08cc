// The operator's settings from its flags and environment (KUBECONFIG, WATCH_NAMESPACE,
// POD_NAMESPACE, POD_NAME), checked one by one: a bad value names the flag, the value and what is
// allowed. Pure: the caller passes argv, env and what it knows of the host.
import { DurationError, parseDuration } from '../api/duration.js';
import type { LogLevel } from '../../broker/contract/logger.js';

export interface OperatorConfig {
  /** A kubeconfig file; undefined: in-cluster (ServiceAccount). */
  readonly kubeconfig: string | undefined;
  /** Namespaces to watch; undefined: all. */
  readonly namespaces: readonly string[] | undefined;
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Holder identity in the Lease: the pod name plus a random suffix. */
  readonly identity: string;
  /** The pod (or host) name: reportingInstance of Events. */
  readonly instance: string;
  /** The Kubernetes cluster's DNS domain (the brokers' names end in it). */
  readonly clusterDomain: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly resyncMs: number;
  readonly concurrency: number;
  readonly logLevel: LogLevel;
  readonly logFormat: 'json' | 'pretty';
  /** Manage (list, watch, apply) ServiceMonitors when their CRD is served; false where RBAC does not allow it. */
  readonly serviceMonitors: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

export const USAGE = `usage: meshmq-operator [flags]
  --kubeconfig FILE            kubeconfig to use (default: $KUBECONFIG, else in-cluster)
  --namespace NS[,NS...]       namespaces to watch (default: $WATCH_NAMESPACE, else all; repeatable)
  --leader-elect true|false    run leader election with a Lease (default true)
  --lease-namespace NS         namespace of the Lease (default: $POD_NAMESPACE, else the pod's, else default)
  --lease-name NAME            name of the Lease (default meshmq-operator)
  --lease-duration D           how long a lease lasts without renewal (default 15s)
  --renew-deadline D           how long the leader keeps trying to renew (default 10s)
  --retry-period D             time between tries (default 2s)
  --cluster-domain DOMAIN      the cluster's DNS domain (default cluster.local)
  --http-host HOST             address of /healthz, /readyz, /metrics (default 0.0.0.0)
  --http-port PORT             their port (default 8080)
  --resync D                   reconcile every BrokerCluster this often (default 10s)
  --concurrency N              BrokerClusters reconciled at once (default 4)
  --log-level debug|info|warn|error   (default info)
  --log-format json|pretty     (default json)
  --service-monitors true|false  manage the ServiceMonitors BrokerClusters ask for when the CRD is served (default true)
Durations: 250ms, 15s, 5m, 1h30m.`;

const FLAGS = ['kubeconfig', 'namespace', 'leader-elect', 'lease-namespace', 'lease-name', 'lease-duration', 'renew-deadline', 'retry-period', 'cluster-domain', 'http-host', 'http-port', 'resync', 'concurrency', 'log-level', 'log-format', 'service-monitors'] as const;
type Flag = (typeof FLAGS)[number];

export interface ConfigInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  hostname: string;
  /** The namespace of the pod's ServiceAccount (/var/run/secrets/kubernetes.io/serviceaccount/namespace), when running in one. */
  serviceAccountNamespace: string | undefined;
  randomSuffix: string;
}

/** `--help` was asked for: print USAGE. */
export class HelpRequested extends Error {}

export function parseOperatorConfig(input: ConfigInput): OperatorConfig {
  const flags = parseFlags(input.argv);
  const one = (flag: Flag): string | undefined => flags.get(flag)?.at(-1);
  const env = (name: string): string | undefined => { const v = input.env[name]; return v === undefined || v === '' ? undefined : v; };

  const namespaceText = flags.get('namespace')?.join(',') ?? env('WATCH_NAMESPACE');
  const namespaces = namespaceText === undefined ? undefined : [...new Set(namespaceText.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  for (const ns of namespaces ?? []) checkName('--namespace', ns);
  const leaseNamespace = one('lease-namespace') ?? env('POD_NAMESPACE') ?? input.serviceAccountNamespace ?? 'default';
  checkName('--lease-namespace', leaseNamespace);
  const leaseName = one('lease-name') ?? 'meshmq-operator';
  checkName('--lease-name', leaseName);
  const leaseDurationMs = duration('--lease-duration', one('lease-duration') ?? '15s');
  const renewDeadlineMs = duration('--renew-deadline', one('renew-deadline') ?? '10s');
  const retryPeriodMs = duration('--retry-period', one('retry-period') ?? '2s');
  if (!(renewDeadlineMs < leaseDurationMs)) throw new ConfigError(`--renew-deadline: ${renewDeadlineMs} ms must be shorter than --lease-duration (${leaseDurationMs} ms)`);
  if (!(retryPeriodMs < renewDeadlineMs)) throw new ConfigError(`--retry-period: ${retryPeriodMs} ms must be shorter than --renew-deadline (${renewDeadlineMs} ms)`);
  const instance = env('POD_NAME') ?? input.hostname;
  return {
    kubeconfig: one('kubeconfig') ?? env('KUBECONFIG'),
    namespaces: namespaces && namespaces.length > 0 ? namespaces : undefined,
    leaderElect: choice('--leader-elect', one('leader-elect') ?? 'true', ['true', 'false']) === 'true',
    leaseNamespace, leaseName, leaseDurationMs, renewDeadlineMs, retryPeriodMs,
    identity: `${instance}_${input.randomSuffix}`,
    instance,
    clusterDomain: domain('--cluster-domain', one('cluster-domain') ?? 'cluster.local'),
    httpHost: one('http-host') ?? '0.0.0.0',
    httpPort: integer('--http-port', one('http-port') ?? '8080', 0, 65535),
    resyncMs: positiveDuration('--resync', one('resync') ?? '10s'),
    concurrency: integer('--concurrency', one('concurrency') ?? '4', 1, 64),
    logLevel: choice('--log-level', one('log-level') ?? 'info', ['debug', 'info', 'warn', 'error']),
    logFormat: choice('--log-format', one('log-format') ?? 'json', ['json', 'pretty']),
    serviceMonitors: choice('--service-monitors', one('service-monitors') ?? 'true', ['true', 'false']) === 'true',
  };
}

function parseFlags(argv: readonly string[]): Map<Flag, string[]> {
  const out = new Map<Flag, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new HelpRequested();
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (flags are --name VALUE or --name=VALUE; --help lists them)`);
    const name = m[1] ?? '';
    if (!(FLAGS as readonly string[]).includes(name)) throw new ConfigError(`unknown flag --${name} (allowed: ${FLAGS.map((f) => `--${f}`).join(', ')})`);
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name} needs a value`);
      i++;
    }
    const list = out.get(name as Flag) ?? [];
    list.push(value);
    out.set(name as Flag, list);
  }
  return out;
}

function checkName(flag: string, value: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) {
    throw new ConfigError(`${flag}: ${JSON.stringify(value)} is not a valid name (lower-case letters, digits and '-', at most 63 characters)`);
  }
}

function domain(flag: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value) || value.length > 253) {
    throw new ConfigError(`${flag}: ${JSON.stringify(value)} is not a DNS domain (such as cluster.local)`);
  }
  return value;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof DurationError) throw new ConfigError(`${flag}: ${err.message}`);
    throw err;
  }
}

function positiveDuration(flag: string, text: string): number {
  const ms = duration(flag, text);
  if (ms <= 0) throw new ConfigError(`${flag}: ${JSON.stringify(text)} must be longer than 0`);
  return ms;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${flag}: ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`);
  return n;
}

function choice<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ConfigError(`${flag}: ${JSON.stringify(text)} is not allowed (allowed: ${allowed.join(', ')})`);
  return text as T;
}
