// `npm run kube:up`: the emulated cluster for people and real clients. Starts the API server with
// its StatefulSet controller, kubelet and DNS, writes a kubeconfig ($KUBECONFIG, else ./.kube/config),
// prints how to use it, and runs until SIGINT/SIGTERM, then removes every pod, namespace and bridge.
// Flags: --port N (API port; a free one by default), --http (no TLS), --loopback (no netns even as root).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../broker/log/logger.js';
import { startKubeEnvironment } from './environment.js';
import { canUseNetns } from './network/ip-command.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, http: { type: 'boolean' }, loopback: { type: 'boolean' }, 'log-level': { type: 'string' } } });
  const level = (values['log-level'] ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
  const logger = createLogger({ level, format: 'pretty' });
  const root = !values.loopback && await canUseNetns();
  const env = await startKubeEnvironment({
    root, logger,
    api: { ...(values.port ? { port: Number(values.port) } : {}), tls: !values.http, host: '127.0.0.1' },
  });
  const kubeconfig = path.resolve(process.env['KUBECONFIG']?.split(path.delimiter)[0] ?? path.join('.kube', 'config'));
  await mkdir(path.dirname(kubeconfig), { recursive: true });
  await env.api.writeKubeconfig(kubeconfig, { namespace: 'default' });
  const exportLine = process.env['KUBECONFIG'] ? '' : `  export KUBECONFIG=${kubeconfig}\n`;
  process.stdout.write([
    `Kubernetes API emulator at ${env.api.url}`,
    `kubeconfig written to ${kubeconfig}`,
    `pod network: ${env.network.kind === 'netns' ? `network namespaces on bridge, node address ${env.network.hostAddress}` : `loopback addresses, node address ${env.network.hostAddress}`}`,
    `cluster DNS: ${env.dns.address} (pods get it as MESHMQ_CLUSTER_DNS_SERVER)`,
    `pod logs: ${path.join(env.dataDir, 'logs')}`,
    '',
    'Try:',
    `${exportLine}  kubectl api-resources`,
    '  kubectl apply -f my-statefulset.yaml && kubectl get pods -w',
    '  kubectl get sts,pods,svc -o wide',
    `  dig @${env.dns.host} -p ${env.dns.port} <svc>.default.svc.cluster.local`,
    '',
    'Press Ctrl-C to stop (pods, namespaces and the bridge are removed).',
    '',
  ].join('\n'));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    env.close().then(() => process.exit(0), (err: unknown) => { logger.error('shutdown failed', { err }); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`kube:up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`caused by: ${String(err.cause instanceof Error ? err.cause.stack : err.cause)}\n`);
  process.exit(1);
});
