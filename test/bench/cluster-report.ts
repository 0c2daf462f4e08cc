// The cluster section of the benchmark report (issues 3 and 12): each figure of the 3-node cluster
// (publishers on node A, subscribers on node B) beside the single node's of the same run, with
// the targets: cross-node throughput at least 80% of single-node; QoS 1 latency p50 within 1.5x
// and p99 within 2x of single-node.
import type { Outcome } from './report-table.js';
import type { ScenarioName, ScenarioResult } from './scenario-spec.js';

export const CLUSTER_THROUGHPUT_TARGET = 0.8;
export const CLUSTER_LATENCY_P50_TARGET = 1.5;
export const CLUSTER_LATENCY_P99_TARGET = 2;

type Results = Partial<Record<ScenarioName, Outcome>>;

function figure(result: ScenarioResult | undefined): { value: number; unit: string } | undefined {
  if (result === undefined) return undefined;
  switch (result.kind) {
    case 'throughput': return { value: result.deliveredPerSecond, unit: 'msg/s' };
    case 'latency': return { value: result.latencyMs.p99, unit: 'ms p99' };
    case 'connections': return { value: result.connectsPerSecond, unit: 'conn/s' };
  }
}

/** One line per scenario both targets ran: cluster figure, single figure, ratio, verdict. */
export function buildClusterLines(single: Results | undefined, cluster: Results | undefined): string[] {
  const lines: string[] = [];
  for (const [name, outcome] of Object.entries(cluster ?? {}) as Array<[ScenarioName, Outcome | undefined]>) {
    const c = outcome?.ok ? figure(outcome.result) : undefined;
    const alone = single?.[name];
    if (outcome?.ok && outcome.result.kind === 'latency' && alone?.ok && alone.result.kind === 'latency') {
      lines.push(latencyLine(name, outcome.result.latencyMs, alone.result.latencyMs));
      continue;
    }
    const s = single?.[name]?.ok ? figure((single[name]).result) : undefined;
    if (c === undefined) { lines.push(`${name}: cluster run failed${outcome && !outcome.ok ? `: ${outcome.error}` : ''}`); continue; }
    const format = (v: number): string => (c.unit === 'ms p99' ? v.toFixed(3) : String(Math.round(v)));
    if (s === undefined) { lines.push(`${name}: cluster ${format(c.value)} ${c.unit} (no single-node figure)`); continue; }
    const ratio = c.value / s.value;
    const verdict = c.unit === 'msg/s' ? (ratio >= CLUSTER_THROUGHPUT_TARGET ? 'pass' : 'miss') + ` (target >= ${CLUSTER_THROUGHPUT_TARGET * 100}%)` : '';
    lines.push(`${name}: cluster ${format(c.value)} ${c.unit}, single node ${format(s.value)} ${c.unit}, ratio ${(ratio * 100).toFixed(0)}% ${verdict}`.trimEnd());
  }
  return lines;
}

function latencyLine(name: string, c: { p50: number; p99: number }, s: { p50: number; p99: number }): string {
  const p50 = c.p50 / s.p50;
  const p99 = c.p99 / s.p99;
  const verdict = (ratio: number, target: number): string => `${ratio.toFixed(2)}x ${ratio <= target ? 'pass' : 'miss'} (target <= ${target}x)`;
  return `${name}: cluster p50 ${c.p50.toFixed(3)} ms, p99 ${c.p99.toFixed(3)} ms; single node p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms; `
    + `p50 ${verdict(p50, CLUSTER_LATENCY_P50_TARGET)}, p99 ${verdict(p99, CLUSTER_LATENCY_P99_TARGET)}`;
}
