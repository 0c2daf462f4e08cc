// The meshmq alerts (charts/meshmq-operator/files/prometheus-rules.yaml) checked by Debian's
// promtool: `check rules`, and `test rules` with unit tests for every alert, one where it fires
// (labels and the rendered summary, description and runbook) and one where it must not.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { promtoolCheckRules, promtoolTestRules } from '../support/prometheus.js';
import { OPERATOR_CHART } from './chart-artifacts.js';
import { renderAlertTemplate } from './alert-template.js';

const it = itRequiring(hasCommand('promtool', ['--version']));
const RULES = path.join(OPERATOR_CHART, 'files/prometheus-rules.yaml');

interface AlertRule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }

const broker = { namespace: 'mqtt', service: 'mqtt-headless' };
const series = (name: string, labels: Record<string, string>, values: string): { series: string; values: string } =>
  ({ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`, values });

/**
 * Per alert: input series (1 minute apart), when it must not fire yet (or at all), when it fires,
 * with which labels and which `$value` its annotations render. Counters rise by 60 a minute (1/s).
 */
const CASES: Record<string, { input: Array<{ series: string; values: string }>; quiet: string[]; fires: string; labels: Record<string, string>; value: number }> = {
  MeshmqNodeDown: {
    input: [series('meshmq_cluster_peers', { ...broker, pod: 'mqtt-0', state: 'down' }, '0 0 1 1 1 1'), series('meshmq_cluster_peers', { ...broker, pod: 'mqtt-1', state: 'down' }, '0 0 1 1 1 1')],
    quiet: ['1m', '2m'], fires: '4m', labels: { ...broker, severity: 'warning' }, value: 1,
  },
  MeshmqForwardFailures: {
    input: [series('meshmq_cluster_forward_failures_total', { ...broker, pod: 'mqtt-0', action: 'negative_ack' }, '0 0 0 60 120 180 240 300 360 420 480 540 600 660')],
    quiet: ['3m', '7m'], fires: '13m', labels: { ...broker, severity: 'warning' }, value: 1,
  },
  MeshmqStoreUnavailable: {
    input: [series('meshmq_store_up', { ...broker, pod: 'mqtt-2' }, '1 1 0 0 0 0')],
    quiet: ['1m', '2m'], fires: '4m', labels: { ...broker, pod: 'mqtt-2', severity: 'critical' }, value: 0,
  },
  MeshmqMessagesDropped: {
    input: [
      series('meshmq_messages_dropped_total', { ...broker, pod: 'mqtt-0', reason: 'queue_full' }, '0+60x30'),
      // QoS 0 publishes nobody subscribed to are normal: they never alert.
      series('meshmq_messages_dropped_total', { ...broker, pod: 'mqtt-0', reason: 'no_subscribers' }, '0+600x30'),
    ],
    quiet: ['5m', '10m'], fires: '20m', labels: { ...broker, reason: 'queue_full', severity: 'warning' }, value: 1,
  },
  MeshmqPartitionDetected: {
    input: [series('meshmq_operator_autoheal_actions_total', { action: 'partition_detected', pod: 'operator-0' }, '0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1')],
    quiet: ['2m', '25m'], fires: '5m', labels: { severity: 'warning' }, value: 1,
  },
  MeshmqAutohealActed: {
    input: [series('meshmq_operator_autoheal_actions_total', { action: 'pods_deleted', pod: 'operator-0' }, '0 0 0 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2')],
    quiet: ['2m', '25m'], fires: '5m', labels: { severity: 'warning' }, value: 2,
  },
  MeshmqOperatorNotReconciling: {
    input: [
      series('meshmq_operator_brokerclusters', { pod: 'operator-0' }, '2x40'),
      // Reconciling every 10 s for 15 minutes, then nothing succeeds any more.
      series('meshmq_operator_reconciles_total', { pod: 'operator-0', result: 'success' }, '0+6x15 90x25'),
      series('meshmq_operator_reconciles_total', { pod: 'operator-0', result: 'error' }, '0x15 0+6x25'),
    ],
    // Quiet at the start too (one sample: no increase yet, held by its `for`).
    quiet: ['0m', '2m', '10m', '20m', '27m'], fires: '35m', labels: { severity: 'critical' }, value: 2,
  },
  MeshmqOperatorNoLeader: {
    input: [series('meshmq_operator_leader', { pod: 'operator-0' }, '1 1 0 0 0 0 0 0 0 0'), series('meshmq_operator_leader', { pod: 'operator-1' }, '0 0 0 0 0 0 0 0 0 0')],
    quiet: ['1m', '4m'], fires: '9m', labels: { severity: 'critical' }, value: 0,
  },
};

let dir: string;
let rules: AlertRule[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'alert-rules-'));
  rules = (parse(await readFile(RULES, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((g) => g.rules);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('meshmq alert rules', () => {
  it('promtool check rules accepts the file', async () => {
    const r = await promtoolCheckRules([RULES]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('every alert has a severity, a summary, a description and a runbook, and a unit test', () => {
    for (const rule of rules) {
      expect([rule.alert, rule.labels['severity']]).toEqual([rule.alert, expect.stringMatching(/^(critical|warning|info)$/)]);
      for (const key of ['summary', 'description', 'runbook']) expect([rule.alert, key, (rule.annotations[key] ?? '').length > 20]).toEqual([rule.alert, key, true]);
    }
    expect(Object.keys(CASES).sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  it('promtool test rules: each alert fires on its input with its labels and rendered annotations, and only then', async () => {
    const tests = rules.map((rule) => {
      const c = CASES[rule.alert];
      if (!c) throw new Error(`no unit test for ${rule.alert}`);
      const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, renderAlertTemplate(v, c.labels, c.value)]));
      return {
        interval: '1m',
        input_series: c.input,
        alert_rule_test: [
          ...c.quiet.map((t) => ({ eval_time: t, alertname: rule.alert, exp_alerts: [] })),
          { eval_time: c.fires, alertname: rule.alert, exp_alerts: [{ exp_labels: c.labels, exp_annotations: annotations }] },
        ],
      };
    });
    const file = path.join(dir, 'prometheus-rules.test.yaml');
    await writeFile(file, stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
    const r = await promtoolTestRules([file]);
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.code).toBe(0);
  }, 60_000);
});
