// The Grafana dashboard (charts/meshmq-operator/files/grafana-dashboard.json) as Grafana reads it:
// the datasource, namespace, cluster and pod variables, panels on the 24-column grid that do not
// overlap, every query on the chosen datasource, every metric one the code defines, and every
// topic the dashboard promises (the live queries run in dashboard-live.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { OPERATOR_CHART, ROOT } from './chart-artifacts.js';

interface Target { expr: string; refId: string; datasource: { uid: string } }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid: string }; targets?: Target[] }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query: unknown; regex?: string; datasource?: { uid: string } }> } }

export const DASHBOARD_FILE = path.join(OPERATOR_CHART, 'files/grafana-dashboard.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Every metric name the broker and operator sources define (prom-client names are string literals). */
function definedMetrics(): Set<string> {
  const names = new Set<string>(['up']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const m of readFileSync(file, 'utf8').matchAll(/['"`](meshmq_[a-z0-9_]+)['"`]/g)) names.add(m[1] ?? '');
      }
    }
  };
  walk(path.join(ROOT, 'broker'));
  walk(path.join(ROOT, 'operator'));
  return names;
}

describe('the Grafana dashboard', () => {
  it('has a datasource variable and namespace, cluster (BrokerCluster) and pod variables on it', () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars['datasource']).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['namespace', 'cluster', 'pod']) expect(vars[name]).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
    // The BrokerCluster is the headless Service's name less -headless (its ServiceMonitor's service label).
    expect(vars['cluster']?.regex).toBe('/^(.+)-headless$/');
    expect(dashboard).toMatchObject({ uid: 'meshmq-overview', title: 'meshmq' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('lays out panels on the grid without overlaps, with unique ids, each query on the datasource variable', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        const cell = `${i},${j}`;
        expect([p.title, cells.has(cell)]).toEqual([p.title, false]);
        cells.add(cell);
      }
    }
    for (const p of panels) {
      expect(p.datasource?.uid).toBe('${datasource}');
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect([p.title, t.datasource.uid, t.expr.length > 0]).toEqual([p.title, '${datasource}', true]);
    }
  });

  it('queries only metrics the broker and the operator define', () => {
    const known = definedMetrics();
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(meshmq_[a-z0-9_]+|up)\b/g)].map((m) => (m[1] ?? '').replace(/_(bucket|sum|count)$/, ''))));
    expect([...used].filter((m) => !known.has(m))).toEqual([]);
  });

  it('shows what it promises: connections, sessions, messages by QoS, drops by reason, peers by state, routes, forward latency quantiles, takeovers, store health, reconciles, autoheal and autoclean', () => {
    const shown = (pattern: RegExp): boolean => exprs.some((e) => pattern.test(e));
    const promised: Array<[string, RegExp]> = [
      ['connections', /meshmq_connections\{/], ['sessions', /meshmq_sessions\{/],
      ['messages in by QoS', /by \(qos\) \(rate\(meshmq_messages_received_total/], ['messages out by QoS', /by \(qos\) \(rate\(meshmq_messages_sent_total/],
      ['drops by reason', /by \(reason\) \(rate\(meshmq_messages_dropped_total/], ['peers by state', /state\) \(meshmq_cluster_peers/],
      ['routes', /meshmq_cluster_routes/], ['forward latency p99', /histogram_quantile\(0\.99, .*meshmq_cluster_forward_latency_seconds_bucket/],
      ['takeovers', /meshmq_session_takeovers_total/], ['store health', /meshmq_store_up/],
      ['reconciles', /meshmq_operator_reconciles_total/], ['autoheal', /meshmq_operator_autoheal_actions_total/], ['autoclean', /meshmq_operator_autoclean_actions_total/],
    ];
    expect(promised.filter(([, p]) => !shown(p)).map(([what]) => what)).toEqual([]);
  });
});
