// Debian's Prometheus (2.42) for tests: started on a free loopback port with a generated config
// (the test's scrape targets, a short interval, optional rule files) and a data dir in tmp, ready
// when /-/ready says so; queried through its HTTP API. Plus `promtool check|test rules`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { httpRequest } from './http-client.js';
import { freePort } from './net.js';
import { SpawnedProcess } from './spawned-process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface ScrapeJob {
  job: string;
  /** `host:port` of each target. */
  targets: string[];
  metricsPath?: string;
  /** Extra labels on every target of the job. */
  labels?: Record<string, string>;
  /** More targets of the same job, each group with its own labels (as service discovery gives each pod its `pod` label). */
  groups?: Array<{ targets: string[]; labels: Record<string, string> }>;
}

export interface PrometheusOptions {
  jobs: ScrapeJob[];
  /** Scrape and rule evaluation interval; default 1 s (Prometheus' own minimum unit). */
  intervalSeconds?: number;
  /** Rule files (absolute paths) to load, as `rule_files`. */
  ruleFiles?: string[];
  readyTimeoutMs?: number;
}

export interface PromSample { metric: Record<string, string>; value: number }

export interface ActiveTarget { job: string; instance: string; health: 'up' | 'down' | 'unknown'; lastError: string }

export interface PrometheusHandle {
  readonly url: string;
  /** An instant query (`/api/v1/query`); throws with Prometheus' error (e.g. a parse error). */
  query(expr: string): Promise<PromSample[]>;
  /** The scrape targets and their health (`/api/v1/targets`). */
  targets(): Promise<ActiveTarget[]>;
  /** Waits until every configured target has been scraped successfully. */
  waitForTargetsUp(timeoutMs?: number): Promise<ActiveTarget[]>;
  /** Waits until the active targets satisfy `accept` (targets appear a few seconds after start). */
  waitForTargets(accept: (targets: ActiveTarget[]) => boolean, timeoutMs?: number): Promise<ActiveTarget[]>;
  /** Waits until `expr` returns at least one sample and `accept` (default: any) holds for the result. */
  waitForQuery(expr: string, accept?: (samples: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  logs(): string;
  close(): Promise<void>;
}

/** The prometheus.yml for `options` (pure, so a test can check it). */
export function buildPrometheusConfig(options: PrometheusOptions): Record<string, unknown> {
  const interval = `${options.intervalSeconds ?? 1}s`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(options.ruleFiles && options.ruleFiles.length > 0 ? { rule_files: options.ruleFiles } : {}),
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: [
        ...(j.targets.length > 0 ? [{ targets: j.targets, ...(j.labels ? { labels: j.labels } : {}) }] : []),
        ...(j.groups ?? []).map((g) => ({ targets: g.targets, labels: { ...j.labels, ...g.labels } })),
      ],
    })),
  };
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(buildPrometheusConfig(options)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = new SpawnedProcess({
    name: 'prometheus',
    command: 'prometheus',
    args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h', '--log.level=warn'],
  });
  const close = async (): Promise<void> => {
    await proc.stop('SIGTERM', 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Connection refused until it listens: not ready yet, keep polling.
    await proc.waitWhileRunning(async () => (await httpRequest(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200,
      { timeoutMs: options.readyTimeoutMs ?? 20_000, what: 'prometheus to be ready' });
  } catch (err) {
    const logs = proc.output();
    await close();
    throw new Error(`${(err as Error).message}\n--- prometheus output ---\n${logs.slice(-4000)}`, { cause: err });
  }

  const api = async <T>(apiPath: string): Promise<T> => {
    const res = await httpRequest(`${url}${apiPath}`);
    const body = JSON.parse(res.body) as { status: string; data?: T; errorType?: string; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${apiPath}: ${body.errorType ?? res.status}: ${body.error ?? res.body}`);
    return body.data as T;
  };
  const query = async (expr: string): Promise<PromSample[]> => {
    const data = await api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== 'vector') throw new Error(`prometheus query ${expr}: expected a vector, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  const targets = async (): Promise<ActiveTarget[]> => {
    const data = await api<{ activeTargets: Array<{ labels: Record<string, string>; health: ActiveTarget['health']; lastError: string }> }>('/api/v1/targets?state=active');
    return data.activeTargets.map((t) => ({ job: t.labels['job'] ?? '', instance: t.labels['instance'] ?? '', health: t.health, lastError: t.lastError }));
  };
  const expected = options.jobs.reduce((n, j) => n + j.targets.length + (j.groups ?? []).reduce((m, g) => m + g.targets.length, 0), 0);
  const waitForTargets = async (accept: (t: ActiveTarget[]) => boolean, timeoutMs = 20_000, what = 'the scrape targets'): Promise<ActiveTarget[]> => {
    let last: ActiveTarget[] = [];
    return await waitFor(async () => {
      last = await targets();
      return accept(last) ? last : undefined;
    }, { timeoutMs, intervalMs: 100, what }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`, { cause: err });
    });
  };
  return {
    url,
    query,
    targets,
    waitForTargets,
    waitForTargetsUp: async (timeoutMs = 20_000) =>
      await waitForTargets((t) => t.length === expected && t.every((x) => x.health === 'up'), timeoutMs, 'every scrape target to be up'),
    waitForQuery: async (expr, accept = () => true, timeoutMs = 20_000) => {
      let last: PromSample[] = [];
      return await waitFor(async () => {
        last = await query(expr);
        return last.length > 0 && accept(last) ? last : undefined;
      }, { timeoutMs, intervalMs: 100, what: `prometheus query ${expr}` }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; last result ${JSON.stringify(last)}`, { cause: err });
      });
    },
    logs: () => proc.output(),
    close,
  };
}

export interface PromtoolResult { code: number; stdout: string; stderr: string }

/** `promtool check rules FILE...`: syntax, expressions and names. Never throws on a failing check. */
export async function promtoolCheckRules(files: string[]): Promise<PromtoolResult> {
  return await promtool(['check', 'rules', ...files]);
}

/** `promtool test rules FILE...`: the rule unit tests (input series, expected alerts and samples). */
export async function promtoolTestRules(files: string[]): Promise<PromtoolResult> {
  return await promtool(['test', 'rules', ...files]);
}

async function promtool(args: string[]): Promise<PromtoolResult> {
  try {
    const { stdout, stderr } = await run('promtool', args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed (Debian package prometheus)', { cause: err });
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
