// The Prometheus harness proven against the real parts: Debian's prometheus scrapes a running
// broker and answers queries on what it exports; promtool checks and unit-tests a rule file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { startMeshmq, type BrokerHandle } from './broker-process.js';
import { TestClient } from './mqtt-clients.js';
import { buildPrometheusConfig, promtoolCheckRules, promtoolTestRules, startPrometheus, type PrometheusHandle } from './prometheus.js';
import { hasCommand, itRequiring } from './requirements.js';

const it = itRequiring(hasCommand('prometheus', ['--version']), hasCommand('promtool', ['--version']));
let broker: BrokerHandle | undefined;
let prometheus: PrometheusHandle | undefined;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prometheus-test-'));
}, 30_000);
afterAll(async () => {
  await prometheus?.close();
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('prometheus scraping a broker', () => {
  let gone = '';

  it('sees the live target up and follows meshmq_connections as clients come and go', async () => {
    broker = await startMeshmq({ name: 'scraped' });
    const stopped = await startMeshmq({ name: 'stopped' });
    gone = new URL(stopped.httpUrl).host;
    await stopped.stop();
    const target = new URL(broker.httpUrl).host;
    prometheus = await startPrometheus({ jobs: [{ job: 'meshmq', targets: [target], labels: { cluster: 'test' } }, { job: 'gone', targets: [gone] }] });
    const live = await prometheus.waitForTargets((ts) => ts.some((t) => t.job === 'meshmq' && t.health === 'up'));
    expect(live.find((t) => t.job === 'meshmq')).toMatchObject({ instance: target, health: 'up', lastError: '' });
    expect(await prometheus.waitForQuery('up{job="meshmq"}')).toEqual([{ metric: { __name__: 'up', job: 'meshmq', instance: target, cluster: 'test' }, value: 1 }]);
    expect((await prometheus.waitForQuery('meshmq_connections'))[0]?.value).toBe(0);
    const clients = [await TestClient.connect(broker.mqttUrl), await TestClient.connect(broker.mqttUrl)];
    await prometheus.waitForQuery('meshmq_connections', (s) => s[0]?.value === 2);
    const accepted = await prometheus.waitForQuery('sum(meshmq_connections_accepted_total)', (s) => (s[0]?.value ?? 0) >= 2);
    expect(accepted[0]?.value).toBe(2);
    for (const c of clients) await c.disconnect();
    await prometheus.waitForQuery('meshmq_connections', (s) => s[0]?.value === 0);
  }, 60_000);

  it('marks a target that does not answer as down, with the scrape error', async () => {
    const [t] = await prometheus!.waitForTargets((ts) => ts.find((x) => x.job === 'gone')?.health === 'down').then((ts) => ts.filter((x) => x.job === 'gone'));
    expect(t).toMatchObject({ instance: gone, lastError: expect.stringContaining('connection refused') });
    expect(await prometheus!.waitForQuery('up{job="gone"}')).toEqual([expect.objectContaining({ value: 0 })]);
    await expect(prometheus!.waitForTargetsUp(500)).rejects.toThrow(/every scrape target to be up.*"health":"down"/);
  });

  it('reports a bad expression with Prometheus\' error instead of an empty answer', async () => {
    await expect(prometheus!.query('sum(meshmq_connections')).rejects.toThrow(/bad_data: .*parse error/);
    expect(await prometheus!.query('meshmq_no_such_metric')).toEqual([]);
  });
});

describe('promtool', () => {
  const rules = {
    groups: [{ name: 'meshmq', rules: [{
      alert: 'MeshmqNodeDown', expr: 'up{job="meshmq"} == 0', for: '1m',
      labels: { severity: 'critical' }, annotations: { summary: 'meshmq node {{ $labels.instance }} is down' },
    }] }],
  };

  it('check rules accepts a good rule file and names the error in a bad one', async () => {
    const good = path.join(dir, 'good.rules.yml');
    const bad = path.join(dir, 'bad.rules.yml');
    await writeFile(good, JSON.stringify(rules));
    await writeFile(bad, JSON.stringify({ groups: [{ name: 'x', rules: [{ alert: 'Broken', expr: 'up{job="meshmq" == 0' }] }] }));
    expect(await promtoolCheckRules([good])).toMatchObject({ code: 0, stdout: expect.stringContaining('SUCCESS: 1 rules found') });
    const failed = await promtoolCheckRules([bad]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/parse error/);
  });

  it('test rules runs alert unit tests, and a wrong expectation fails', async () => {
    const ruleFile = path.join(dir, 'node-down.rules.yml');
    await writeFile(ruleFile, JSON.stringify(rules));
    const unit = (expected: unknown[]): unknown => ({
      rule_files: [ruleFile], evaluation_interval: '15s',
      tests: [{ interval: '15s', input_series: [{ series: 'up{job="meshmq",instance="n0:8081"}', values: '1 1 0 0 0 0 0 0' }],
        alert_rule_test: [{ eval_time: '2m', alertname: 'MeshmqNodeDown', exp_alerts: expected }] }],
    });
    const firing = [{ exp_labels: { severity: 'critical', job: 'meshmq', instance: 'n0:8081' }, exp_annotations: { summary: 'meshmq node n0:8081 is down' } }];
    const passing = path.join(dir, 'passing.test.yml');
    const failing = path.join(dir, 'failing.test.yml');
    await writeFile(passing, JSON.stringify(unit(firing)));
    await writeFile(failing, JSON.stringify(unit([])));
    expect(await promtoolTestRules([passing])).toMatchObject({ code: 0, stdout: expect.stringContaining('SUCCESS') });
    const failed = await promtoolTestRules([failing]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain('alertname: MeshmqNodeDown');
  });

  it('builds a config with the scrape interval, targets, labels and rule files', () => {
    expect(buildPrometheusConfig({ jobs: [{ job: 'op', targets: ['127.0.0.1:8080'], labels: { a: 'b' } }], intervalSeconds: 2, ruleFiles: ['/r.yml'] })).toEqual({
      global: { scrape_interval: '2s', evaluation_interval: '2s', scrape_timeout: '2s' },
      rule_files: ['/r.yml'],
      scrape_configs: [{ job_name: 'op', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:8080'], labels: { a: 'b' } }] }],
    });
  });
});
