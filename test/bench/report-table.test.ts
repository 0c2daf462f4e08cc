import { describe, expect, it } from '@jest/globals';
import { buildReportRows, formatTable, formatValue, judgeGoal, TABLE_HEADER, type ResultTable } from './report-table.js';
import type { ScenarioResult } from './scenario-spec.js';

const throughput = (deliveredPerSecond: number): ScenarioResult => ({ kind: 'throughput', deliveredPerSecond, publishedPerSecond: deliveredPerSecond, lost: 0, measuredMs: 5000, brokerCpu: 1, generatorCpu: 0.3 });

describe('formatValue', () => {
  it.each([
    [443210, 'msg/s', '443.2k/s'], [950, 'conn/s', '950/s'], [733.4, 'bytes', '733 B'], [14848, 'bytes', '14.5 KiB'],
    [0.2567, 'ms', '0.26 ms'], [54.13, 'ms', '54.1 ms'], [Number.NaN, 'ms', 'n/a'],
  ] as const)('%f %s -> %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});

describe('judgeGoal', () => {
  it('compares ratios to aedes and absolute limits, saying by how much a miss misses', () => {
    expect(judgeGoal({ kind: 'vs-aedes-at-least', factor: 2 }, 300, 100, 'msg/s')).toBe('pass');
    expect(judgeGoal({ kind: 'vs-aedes-at-least', factor: 2 }, 160, 100, 'msg/s')).toBe('miss (1.60x of 2x)');
    expect(judgeGoal({ kind: 'vs-aedes-at-most', factor: 1 }, 0.2, 0.3, 'ms')).toBe('pass');
    expect(judgeGoal({ kind: 'at-most', value: 4096 }, 5120, undefined, 'bytes')).toBe('miss (5.0 KiB, 25% off)');
    expect(judgeGoal({ kind: 'at-least', value: 20000 }, 25000, undefined, 'conn/s')).toBe('pass');
  });

  it('says nothing without a figure, or without aedes for a relative goal', () => {
    expect(judgeGoal({ kind: 'vs-aedes-at-least', factor: 2 }, 300, undefined, 'msg/s')).toBe('');
    expect(judgeGoal({ kind: 'at-most', value: 1 }, undefined, 1, 'bytes')).toBe('');
    expect(judgeGoal(undefined, 1, 1, 'ms')).toBe('');
  });
});

describe('buildReportRows', () => {
  it('puts brokers side by side with meshmq ratios and leaves out scenarios that did not run', () => {
    const results: ResultTable = {
      meshmq: { 'fan-in': { ok: true, result: throughput(300000) }, pairs: { ok: false, error: 'boom' } },
      aedes: { 'fan-in': { ok: true, result: throughput(100000) }, pairs: { ok: true, result: throughput(100000) } },
      mosquitto: { 'fan-in': { ok: true, result: throughput(400000) } },
    };
    expect(buildReportRows(results)).toEqual([
      ['QoS0 fan-in 10->1', '300.0k/s', '100.0k/s', '400.0k/s', '3.00x', '0.75x', '>= 2x aedes', 'pass'],
      ['QoS0 10 pairs', 'error', '100.0k/s', '-', '-', '-', '>= 2x aedes', ''],
    ]);
  });
});

describe('connect-rate label', () => {
  const connections = (generator: 'native' | 'node'): ScenarioResult => ({
    kind: 'connections', connections: 10000, generator, connectsPerSecond: 25000, brokerCpu: 0.9, generatorCpu: 0.4,
    brokerCpuMsPer1000: 36, generatorCpuMsPer1000: 16, listenOverflows: 0,
  });

  it('labels the rate generator-bound when the Node client opened the connections', () => {
    const rows = buildReportRows({ meshmq: { 'connect-rate': { ok: true, result: connections('node') } }, aedes: { 'connect-rate': { ok: true, result: connections('native') } } });
    expect(rows[0]?.[0]).toBe('connections accepted (generator-bound: Node client)');
  });

  it('keeps the plain label when every rate came from the native generator', () => {
    const rows = buildReportRows({ meshmq: { 'connect-rate': { ok: true, result: connections('native') } } });
    expect(rows.map((r) => r[0])).toEqual(['connections accepted', 'broker CPU per 1k connects', 'accepts/s per broker core']);
    expect(rows[0]?.slice(1, 2)).toEqual(['25.0k/s']);
  });
});

describe('formatTable', () => {
  it('aligns columns as a Markdown table', () => {
    const text = formatTable(['a', 'bb'], [['xyz', '1'], ['q', '22']]);
    expect(text.split('\n')).toEqual(['| a   | bb |', '|-----|---:|', '| xyz |  1 |', '| q   | 22 |']);
  });

  it('has the columns the issue asks for', () => {
    expect(TABLE_HEADER).toEqual(['figure', 'meshmq', 'aedes', 'mosquitto', 'meshmq/aedes', 'meshmq/mosquitto', 'target', 'result']);
  });
});
