// The dashboard and the alerts against the real thing: Debian's Prometheus scrapes a busy 3-node
// BrokerCluster (real broker processes in pods of the emulated cluster, on a real Redis, clients
// publishing at QoS 0, 1 and 2 across pods) and the operator reconciling it, with the labels a
// ServiceMonitor gives (namespace, service, pod). Every dashboard query (with the variables as
// Grafana substitutes them) must return series, the variables must offer this cluster, and every
// alert expression must evaluate, with series behind every metric it reads. A metric the code does
// not export, or one that is only born with its first event, fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { parse } from 'yaml';
import { FAST_CLUSTER, operatorE2eRequirements, startOperatorWorld, type OperatorWorld } from '../kube/e2e/operator-harness.js';
import { freePort } from '../support/net.js';
import { startPrometheus, type PrometheusHandle } from '../support/prometheus.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { SpawnedProcess } from '../support/spawned-process.js';
import { waitFor } from '../support/wait.js';
import { OPERATOR_CHART } from './chart-artifacts.js';

const requirements = [...operatorE2eRequirements(), hasCommand('prometheus', ['--version']), hasCommand('redis-server', ['--version'])];
const it = itRequiring(...requirements);
const NS = 'telemetry';
const CLUSTER = 'mqtt';

interface Dashboard { panels: Array<{ title: string; type: string; targets?: Array<{ expr: string; legendFormat: string }> }>; templating: { list: Array<{ name: string; query: unknown; regex?: string }> } }
const dashboard = JSON.parse(readFileSync(path.join(OPERATOR_CHART, 'files/grafana-dashboard.json'), 'utf8')) as Dashboard;
const alerts = (parse(readFileSync(path.join(OPERATOR_CHART, 'files/prometheus-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((g) => g.rules);

/** A query as Grafana sends it with this namespace, this cluster and every pod selected. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '15s').replaceAll('$namespace', NS).replaceAll('$cluster', CLUSTER).replaceAll('$pod', '.*');
}

describe('the dashboard and the alerts on a busy cluster', () => {
  let world: OperatorWorld | undefined;
  let redis: SpawnedProcess | undefined;
  let prometheus: PrometheusHandle | undefined;
  const clients: MqttClient[] = [];
  let load: NodeJS.Timeout | undefined;
  const p = (): PrometheusHandle => { if (!prometheus) throw new Error('no prometheus'); return prometheus; };

  beforeAll(async () => {
    if (!requirements.every((r) => r.ok)) return;
    world = await startOperatorWorld();
    const operatorPort = await freePort('127.0.0.1');
    const operator = await world.startOperator({ extraArgs: ['--http-port', String(operatorPort)] });
    await operator.waitForOutput(/became the leader|leading/i, 30_000);
    // Redis on the node's address, where the pods reach it.
    const host = world.env.network.hostAddress;
    const redisPort = await freePort(host);
    redis = new SpawnedProcess({ name: 'redis', command: 'redis-server', args: ['--bind', host, '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'] });
    await redis.waitForOutput(/Ready to accept connections/, 15_000);
    await world.createNamespace(NS);
    await world.apply(NS, `apiVersion: meshmq.io/v1alpha1
kind: BrokerCluster
metadata: { name: ${CLUSTER} }
spec:
  replicas: 3
  terminationGracePeriodSeconds: 15
  cluster: ${JSON.stringify(FAST_CLUSTER)}
  persistence: { type: redis, redis: { url: "redis://${host}:${redisPort}" } }
`);
    await world.waitReady(NS, CLUSTER, 3, 120_000);
    const pods = ['mqtt-0', 'mqtt-1', 'mqtt-2'];
    const ips = Object.fromEntries(await Promise.all(pods.map(async (pod) => [pod, await world?.podIp(NS, pod)] as const)));
    prometheus = await startPrometheus({
      jobs: [
        // What the BrokerCluster's ServiceMonitor makes Prometheus scrape: every pod behind the headless Service.
        { job: `${CLUSTER}-headless`, targets: [], labels: { namespace: NS, service: `${CLUSTER}-headless` },
          groups: pods.map((pod) => ({ targets: [`${ips[pod] ?? ''}:8081`], labels: { pod } })) },
        { job: 'meshmq-operator-metrics', targets: [`127.0.0.1:${operatorPort}`], labels: { namespace: 'meshmq-system', service: 'meshmq-operator-metrics', pod: 'operator-0' } },
      ],
      ruleFiles: [path.join(OPERATOR_CHART, 'files/prometheus-rules.yaml')],
    });
    await p().waitForTargetsUp(30_000);
    // Some load: a subscriber on mqtt-0, publishers on mqtt-1 and mqtt-2 at QoS 0/1/2 and a retained message.
    const connect = async (pod: string, clientId: string): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(`mqtt://${ips[pod] ?? ''}:1883`, { clientId, reconnectPeriod: 0, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } });
      clients.push(c);
      return c;
    };
    const subscriber = await connect('mqtt-0', 'dash-sub');
    await subscriber.subscribeAsync('load/#', { qos: 2 });
    const publishers = [await connect('mqtt-1', 'dash-pub-1'), await connect('mqtt-2', 'dash-pub-2')];
    await publishers[0]?.publishAsync('load/retained', 'kept', { qos: 1, retain: true });
    let n = 0;
    load = setInterval(() => {
      n++;
      for (const [i, pub] of publishers.entries()) {
        for (const qos of [0, 1, 2] as const) pub.publish(`load/${i}/${qos}`, `m${n}`, { qos }, () => undefined);
        pub.publish('nobody/listens', 'dropped', { qos: 0 });
      }
    }, 50);
  }, 240_000);

  afterAll(async () => {
    clearInterval(load);
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await prometheus?.close();
    await world?.close();
    await redis?.stop('SIGTERM', 10_000).catch(() => redis?.kill());
  }, 60_000);

  it('every dashboard query returns series', async () => {
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ what: `${panel.title} / ${t.legendFormat || t.expr}`, expr: substitute(t.expr) })));
    expect(queries.length).toBeGreaterThan(30);
    let failing: string[] = [];
    // Rates need two scrapes inside their window: poll until every query answers, then report what does not.
    await waitFor(async () => {
      failing = [];
      for (const q of queries) {
        const result = await p().query(q.expr).then((s) => (s.length > 0 ? '' : 'no series'), (err: unknown) => (err as Error).message);
        if (result !== '') failing.push(`${q.what}: ${result} (${q.expr})`);
      }
      return failing.length === 0;
    }, { what: 'every dashboard query to return series', timeoutMs: 60_000, intervalMs: 2000 }).catch(() => undefined);
    expect(failing).toEqual([]);
  }, 90_000);

  it('the namespace, cluster and pod variables offer this cluster and its pods', async () => {
    const values = async (label: string, selector: string): Promise<string[]> => (await p().query(`count by (${label}) (meshmq_connections${selector})`)).map((s) => s.metric[label] ?? '').sort();
    expect(await values('namespace', '')).toEqual([NS]);
    const cluster = dashboard.templating.list.find((v) => v.name === 'cluster');
    const regex = new RegExp((cluster?.regex ?? '').replace(/^\/|\/$/g, ''));
    expect((await values('service', `{namespace=~"${NS}"}`)).map((s) => regex.exec(s)?.[1])).toEqual([CLUSTER]);
    expect(await values('pod', `{namespace=~"${NS}", service=~"(${CLUSTER})-headless"}`)).toEqual(['mqtt-0', 'mqtt-1', 'mqtt-2']);
  }, 30_000);

  it('every alert expression evaluates, on series for every metric it reads, and none fires on a healthy cluster', async () => {
    const problems: string[] = [];
    for (const rule of alerts) {
      await p().query(rule.expr).catch((err: unknown) => problems.push(`${rule.alert}: ${(err as Error).message}`));
      for (const metric of new Set([...rule.expr.matchAll(/\b(meshmq_[a-z0-9_]+)\b/g)].map((m) => m[1] ?? ''))) {
        if ((await p().query(`count(${metric})`)).length === 0) problems.push(`${rule.alert}: no series of ${metric}`);
      }
    }
    expect(problems).toEqual([]);
    const firing = (await p().query('ALERTS{alertstate="firing"}')).map((s) => s.metric['alertname']);
    expect(firing).toEqual([]);
  }, 60_000);
});
