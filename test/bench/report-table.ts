// The benchmark's report: one row per measured figure, a column per broker, meshmq's ratios
// and issue 2's targets with pass/miss. Pure: results in, text out.
import type { ScenarioName, ScenarioResult } from './scenario-spec.js';

export type Outcome = { readonly ok: true; readonly result: ScenarioResult } | { readonly ok: false; readonly error: string };
/** target name -> scenario name -> outcome */
export type ResultTable = Readonly<Record<string, Readonly<Partial<Record<ScenarioName, Outcome>>>>>;

export type Goal =
  | { readonly kind: 'vs-aedes-at-least'; readonly factor: number }
  | { readonly kind: 'vs-aedes-at-most'; readonly factor: number }
  | { readonly kind: 'at-most'; readonly value: number }
  | { readonly kind: 'at-least'; readonly value: number };

export interface Metric {
  readonly label: string;
  readonly scenario: ScenarioName;
  readonly unit: 'msg/s' | 'ms' | 'bytes' | 'conn/s';
  readonly read: (result: ScenarioResult) => number | undefined;
  readonly goal?: Goal;
  /** Added to the label when the figures that ran call for it (e.g. which client measured them). */
  readonly labelNote?: (results: readonly ScenarioResult[]) => string | undefined;
}

const delivered = (r: ScenarioResult): number | undefined => (r.kind === 'throughput' ? r.deliveredPerSecond : undefined);

/** A connection rate opened by the Node client measures the client (~50 µs CPU per connection), not the broker. */
export function describeConnectGenerator(results: readonly ScenarioResult[]): string | undefined {
  const byNode = results.some((r) => r.kind === 'connections' && r.generator === 'node');
  return byNode ? 'generator-bound: Node client' : undefined;
}

/** Issue 2's benchmark figures and targets. */
export const METRICS: readonly Metric[] = [
  { label: 'QoS0 fan-in 10->1', scenario: 'fan-in', unit: 'msg/s', read: delivered, goal: { kind: 'vs-aedes-at-least', factor: 2 } },
  { label: 'QoS0 10 pairs', scenario: 'pairs', unit: 'msg/s', read: delivered, goal: { kind: 'vs-aedes-at-least', factor: 2 } },
  { label: 'QoS0 fan-out 1->10', scenario: 'fan-out', unit: 'msg/s', read: delivered, goal: { kind: 'vs-aedes-at-least', factor: 1.3 } },
  { label: 'QoS1 10 pairs', scenario: 'qos1-pairs', unit: 'msg/s', read: delivered, goal: { kind: 'vs-aedes-at-least', factor: 1.3 } },
  { label: 'QoS1 latency p50 @1k/s', scenario: 'latency', unit: 'ms', read: (r) => (r.kind === 'latency' ? r.latencyMs.p50 : undefined), goal: { kind: 'vs-aedes-at-most', factor: 1 } },
  { label: 'QoS1 latency p99 @1k/s', scenario: 'latency', unit: 'ms', read: (r) => (r.kind === 'latency' ? r.latencyMs.p99 : undefined) },
  { label: 'RSS per idle conn (10k)', scenario: 'idle-memory', unit: 'bytes', read: (r) => (r.kind === 'connections' ? r.bytesPerConnection : undefined), goal: { kind: 'at-most', value: 4096 } },
  { label: 'connections accepted', scenario: 'connect-rate', unit: 'conn/s', read: (r) => (r.kind === 'connections' ? r.connectsPerSecond : undefined), goal: { kind: 'at-least', value: 20000 }, labelNote: describeConnectGenerator },
  // The generator-independent figure: broker CPU per 1,000 connections, and what one core accepts at that cost.
  { label: 'broker CPU per 1k connects', scenario: 'connect-rate', unit: 'ms', read: (r) => (r.kind === 'connections' ? r.brokerCpuMsPer1000 : undefined) },
  { label: 'accepts/s per broker core', scenario: 'connect-rate', unit: 'conn/s', read: (r) => (r.kind === 'connections' && r.brokerCpuMsPer1000 > 0 ? 1e6 / r.brokerCpuMsPer1000 : undefined) },
];

export function formatValue(value: number, unit: Metric['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ms': return value < 10 ? value.toFixed(2) + ' ms' : value.toFixed(1) + ' ms';
    case 'bytes': return value < 1024 ? `${Math.round(value)} B` : `${(value / 1024).toFixed(1)} KiB`;
    case 'msg/s': case 'conn/s': return value >= 1000 ? `${(value / 1000).toFixed(1)}k/s` : `${Math.round(value)}/s`;
  }
}

function describeGoal(goal: Goal | undefined, unit: Metric['unit']): string {
  if (goal === undefined) return '';
  switch (goal.kind) {
    case 'vs-aedes-at-least': return `>= ${goal.factor}x aedes`;
    case 'vs-aedes-at-most': return goal.factor === 1 ? '<= aedes' : `<= ${goal.factor}x aedes`;
    case 'at-most': return `<= ${formatValue(goal.value, unit)}`;
    case 'at-least': return `>= ${formatValue(goal.value, unit)}`;
  }
}

/** 'pass', 'miss (...)' or '' when the goal or a figure is missing. */
export function judgeGoal(goal: Goal | undefined, meshmq: number | undefined, aedes: number | undefined, unit: Metric['unit']): string {
  if (goal === undefined || meshmq === undefined || !Number.isFinite(meshmq)) return '';
  if (goal.kind === 'at-most' || goal.kind === 'at-least') {
    const pass = goal.kind === 'at-most' ? meshmq <= goal.value : meshmq >= goal.value;
    return pass ? 'pass' : `miss (${formatValue(meshmq, unit)}, ${Math.round(Math.abs(meshmq / goal.value - 1) * 100)}% off)`;
  }
  if (aedes === undefined || !Number.isFinite(aedes) || aedes <= 0) return '';
  const ratio = meshmq / aedes;
  const pass = goal.kind === 'vs-aedes-at-least' ? ratio >= goal.factor : ratio <= goal.factor;
  return pass ? 'pass' : `miss (${ratio.toFixed(2)}x of ${goal.factor}x)`;
}

function readFigure(results: ResultTable, target: string, metric: Metric): { value?: number; cell: string } {
  const outcome = results[target]?.[metric.scenario];
  if (outcome === undefined) return { cell: '-' };
  if (!outcome.ok) return { cell: 'error' };
  const value = metric.read(outcome.result);
  return value === undefined ? { cell: 'n/a' } : { value, cell: formatValue(value, metric.unit) };
}

function ratioCell(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a) ? '-' : `${(a / b).toFixed(2)}x`;
}

export const TABLE_HEADER = ['figure', 'meshmq', 'aedes', 'mosquitto', 'meshmq/aedes', 'meshmq/mosquitto', 'target', 'result'] as const;

/** One row per metric whose scenario ran for at least one target. */
export function buildReportRows(results: ResultTable, metrics: readonly Metric[] = METRICS): string[][] {
  const ran = (m: Metric): boolean => Object.values(results).some((byScenario) => byScenario[m.scenario] !== undefined);
  return metrics.filter(ran).map((metric) => {
    const note = metric.labelNote?.(Object.values(results).flatMap((byScenario) => {
      const outcome = byScenario[metric.scenario];
      return outcome?.ok === true ? [outcome.result] : [];
    }));
    const [meshmq, aedes, mosquitto] = (['meshmq', 'aedes', 'mosquitto'] as const).map((t) => readFigure(results, t, metric)) as [ReturnType<typeof readFigure>, ReturnType<typeof readFigure>, ReturnType<typeof readFigure>];
    return [
      note === undefined ? metric.label : `${metric.label} (${note})`, meshmq.cell, aedes.cell, mosquitto.cell,
      ratioCell(meshmq.value, aedes.value), ratioCell(meshmq.value, mosquitto.value),
      describeGoal(metric.goal, metric.unit), judgeGoal(metric.goal, meshmq.value, aedes.value, metric.unit),
    ];
  });
}

/** Aligned plain-text table (also valid Markdown), first column left, others right. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    '| ' + widths.map((w, i) => (i === 0 ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}
