// `npm run kube:up`: the emulated cluster for people and real clients. Starts the API server with
// its StatefulSet controller, kubelet and DNS, writes a kubeconfig ($KUBECONFIG, else ./.kube/config)
// and a control endpoint for `kube:partition`/`kube:heal`, prints how to use them, and runs until
// SIGINT/SIGTERM, then removes every pod, namespace and bridge, the kubeconfig it wrote and its state.
// Flags: --port N (API port; a free one by default), --http (no TLS), --loopback (no netns even as root).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../broker/contract/logger.js';
import { startControlServer } from './control/control-server.js';
import { defaultKubeconfigPath, removeState, stateFilePath, writeState } from './control/state-file.js';
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
  const kubeconfig = defaultKubeconfigPath(process.env, process.cwd());
  await mkdir(path.dirname(kubeconfig), { recursive: true });
  await env.api.writeKubeconfig(kubeconfig, { namespace: 'default' });
  const control = await startControlServer(env, logger.child({ component: 'control' }));
  const stateFile = stateFilePath(kubeconfig);
  await writeState(stateFile, { pid: process.pid, url: control.url, token: control.token, apiUrl: env.api.url });
  const exportLine = process.env['KUBECONFIG'] ? '' : `  export KUBECONFIG=${kubeconfig}\n`;
  process.stdout.write([
    `Kubernetes API emulator at ${env.api.url}`,
    `kubeconfig written to ${kubeconfig}`,
    `pod network: ${env.network.kind === 'netns' ? `network namespaces on bridge, node address ${env.network.hostAddress}` : `loopback addresses, node address ${env.network.hostAddress} (no partitions: run as root for network namespaces)`}`,
    `cluster DNS: ${env.dns.address} (pods get it as MESHMQ_CLUSTER_DNS_SERVER)`,
    `pod logs: ${path.join(env.dataDir, 'logs')}`,
    '',
    'Try:',
    `${exportLine}  kubectl api-resources`,
    '  kubectl apply -f crds/brokerclusters.meshmq.io.yaml && kubectl apply -f crds/examples/minimal.yaml',
    '  kubectl get bc,sts,pods,svc -o wide',
    `  dig @${env.dns.host} -p ${env.dns.port} <svc>.default.svc.cluster.local`,
    ...(env.network.kind === 'netns' ? [
      '  npm run kube:partition -- -n default minimal-0,minimal-1 / minimal-2   # cut the network between groups',
      '  npm run kube:heal                                                        # and restore it',
    ] : []),
    '',
    'Press Ctrl-C (or send SIGTERM) to stop: pods, namespaces, the bridge and the kubeconfig are removed.',
    '',
  ].join('\n'));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    const cleanup = async (): Promise<void> => {
      await control.close();
      await env.close();
      await removeState(stateFile);
      // A kubeconfig naming a server that is gone only confuses the next kubectl.
      await rm(kubeconfig, { force: true });
    };
    cleanup().then(() => { logger.info('stopped'); process.exit(0); }, (err: unknown) => { logger.error('shutdown failed', { err }); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`kube:up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`caused by: ${String(err.cause instanceof Error ? err.cause.stack : err.cause)}\n`);
  process.exit(1);
});
