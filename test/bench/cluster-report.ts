// The cluster section of the benchmark report (issue 3): each figure of the 3-node cluster
// (publishers on node A, subscribers on node B) beside the single node's of the same run, with
// the target for throughput: cross-node at least 70% of single-node.
import type { Outcome } from './report-table.js';
import type { ScenarioName, ScenarioResult } from './scenario-spec.js';

export const CLUSTER_THROUGHPUT_TARGET = 0.7;

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
