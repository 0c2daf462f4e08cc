// Minimal HTTP helpers for black-box tests of the broker's HTTP port: GET/DELETE with an
// optional bearer token, and reading one Prometheus sample from /metrics.
import http from 'node:http';

export interface HttpResult { status: number; body: string; headers: http.IncomingHttpHeaders }

export async function httpRequest(url: string, options: { method?: string; token?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
  return await new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    const req = http.request(url, { method: options.method ?? 'GET', headers, timeout: options.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.once('error', reject);
    req.end();
  });
}

export async function httpJson<T = unknown>(url: string, options: { method?: string; token?: string } = {}): Promise<{ status: number; json: T }> {
  const res = await httpRequest(url, options);
  if (res.status >= 300) return { status: res.status, json: undefined as T };
  return { status: res.status, json: JSON.parse(res.body) as T };
}

/** Samples of one metric family from Prometheus text: each with its labels and value. */
export function parseMetric(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').slice(1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `labels` (0 when none). */
export async function metricValue(httpUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await httpRequest(`${httpUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseMetric(res.body, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
