import { describe, expect, it } from '@jest/globals';
import { ConfigError, HelpRequested, parseOperatorConfig, type ConfigInput } from './operator-config.js';

const input = (argv: string[] = [], env: Record<string, string> = {}, extra: Partial<ConfigInput> = {}): ConfigInput => ({
  argv, env, hostname: 'host-1', serviceAccountNamespace: undefined, randomSuffix: 'x1y2', ...extra,
});

describe('parseOperatorConfig', () => {
  it('has defaults for everything', () => {
    expect(parseOperatorConfig(input())).toEqual({
      kubeconfig: undefined, namespaces: undefined, leaderElect: true, leaseNamespace: 'default', leaseName: 'meshmq-operator',
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, identity: 'host-1_x1y2', instance: 'host-1',
      clusterDomain: 'cluster.local', httpHost: '0.0.0.0', httpPort: 8080, resyncMs: 10_000, concurrency: 4, logLevel: 'info', logFormat: 'json',
      serviceMonitors: true,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { KUBECONFIG: '/env/kc', WATCH_NAMESPACE: 'a, b', POD_NAMESPACE: 'ops', POD_NAME: 'meshmq-operator-5f-abc' };
    expect(parseOperatorConfig(input([], env))).toMatchObject({ kubeconfig: '/env/kc', namespaces: ['a', 'b'], leaseNamespace: 'ops', identity: 'meshmq-operator-5f-abc_x1y2', instance: 'meshmq-operator-5f-abc' });
    expect(parseOperatorConfig(input(['--kubeconfig', '/flag/kc', '--namespace=c', '--namespace', 'd,c', '--lease-namespace', 'x'], env)))
      .toMatchObject({ kubeconfig: '/flag/kc', namespaces: ['c', 'd'], leaseNamespace: 'x' });
  });

  it('takes the ServiceAccount\'s namespace for the Lease in a pod without POD_NAMESPACE', () => {
    expect(parseOperatorConfig(input([], {}, { serviceAccountNamespace: 'meshmq-system' })).leaseNamespace).toBe('meshmq-system');
  });

  it('parses durations and numbers', () => {
    expect(parseOperatorConfig(input(['--resync=1m', '--lease-duration', '30s', '--renew-deadline', '20s', '--retry-period', '500ms', '--http-port', '9090', '--concurrency', '8', '--leader-elect=false', '--service-monitors=false'])))
      .toMatchObject({ resyncMs: 60_000, leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 500, httpPort: 9090, concurrency: 8, leaderElect: false, serviceMonitors: false });
  });

  it.each([
    [['--http-port', 'http'], '--http-port: "http" is not a whole number from 0 to 65535'],
    [['--concurrency', '0'], '--concurrency: "0" is not a whole number from 1 to 64'],
    [['--resync', '10'], '--resync: "10" is not a duration (examples: 0, 250ms, 15s, 5m, 1h30m)'],
    [['--resync', '0'], '--resync: "0" must be longer than 0'],
    [['--log-level', 'loud'], '--log-level: "loud" is not allowed (allowed: debug, info, warn, error)'],
    [['--leader-elect', 'yes'], '--leader-elect: "yes" is not allowed (allowed: true, false)'],
    [['--namespace', 'Team_A'], '--namespace: "Team_A" is not a valid name (lower-case letters, digits and \'-\', at most 63 characters)'],
    [['--renew-deadline', '20s'], '--renew-deadline: 20000 ms must be shorter than --lease-duration (15000 ms)'],
    [['--retry-period', '10s'], '--retry-period: 10000 ms must be shorter than --renew-deadline (10000 ms)'],
    [['--bogus', '1'], 'unknown flag --bogus (allowed: --kubeconfig, --namespace, --leader-elect, --lease-namespace, --lease-name, --lease-duration, --renew-deadline, --retry-period, --cluster-domain, --http-host, --http-port, --resync, --concurrency, --log-level, --log-format, --service-monitors)'],
    [['--kubeconfig'], '--kubeconfig needs a value'],
    [['--cluster-domain', 'Cluster_Local'], '--cluster-domain: "Cluster_Local" is not a DNS domain (such as cluster.local)'],
    [['start'], 'unexpected argument "start" (flags are --name VALUE or --name=VALUE; --help lists them)'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseOperatorConfig(input(argv))).toThrow(new ConfigError(message));
  });

  it('answers --help', () => {
    expect(() => parseOperatorConfig(input(['--help']))).toThrow(HelpRequested);
  });
});
