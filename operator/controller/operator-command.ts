// The meshmq-operator command, given its process's argv, env, output and signals (main.ts passes
// the real ones): parse the flags, load the kubeconfig, run until SIGTERM or a fatal error, and
// say what went wrong in one line. Resolves with the exit code; main.ts alone calls process.exit.
import { KubeConfig } from '@kubernetes/client-node';
import { describeCause } from '../kube/kube-api-error.js';
import { describeStartupFailure, StartupError } from '../kube/startup-failure.js';
import { createLogger } from '../../broker/contract/logger.js';
import { createOperatorMetrics } from '../metrics/operator-metrics.js';
import { ConfigError, HelpRequested, parseOperatorConfig, USAGE, type OperatorConfig } from './operator-config.js';
import { OperatorRuntime } from './operator-runtime.js';
import type { CreateReconciler } from './reconciler-factory.js';

export interface OperatorIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
  readonly randomSuffix: string;
  /** The pod's ServiceAccount namespace file, when there is one. */
  readonly serviceAccountNamespace: string | undefined;
  stdout(text: string): void;
  stderr(text: string): void;
  onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
/** Kubernetes sends SIGKILL 30 s after SIGTERM by default; finish well before. */
const STOP_TIMEOUT_MS = 20_000;

export async function runOperator(io: OperatorIo, loadReconciler: (config: OperatorConfig) => Promise<CreateReconciler>): Promise<number> {
  const say = (line: string): void => io.stderr(`meshmq-operator: ${line}\n`);
  let config: OperatorConfig;
  try {
    config = parseOperatorConfig(io);
  } catch (err) {
    if (err instanceof HelpRequested) { io.stdout(`${USAGE}\n`); return EXIT.ok; }
    if (err instanceof ConfigError) { say(err.message); return EXIT.usage; }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, write: (line) => io.stderr(`${line}\n`) });
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig(config, io.env);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    say(err.message);
    return EXIT.failed;
  }
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const describe = (err: unknown): string => describeStartupFailure(err, { server, kubeconfig: config.kubeconfig }) ?? (err instanceof Error ? err.message : String(err));

  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => { finish = resolve; });
  let runtime: OperatorRuntime | undefined;
  let stopping = false;
  /** Stops the runtime; a fatal error's one line is said last, once the rest has been logged. */
  const stopWith = async (code: number, why: string, line?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { why });
    const timer = setTimeout(() => { logger.error('stop did not finish in time', { timeoutMs: STOP_TIMEOUT_MS }); finish(EXIT.failed); }, STOP_TIMEOUT_MS);
    try {
      await runtime?.stop();
    } catch (err) {
      logger.error('stop failed', { err });
      code = EXIT.failed;
    } finally {
      clearTimeout(timer);
    }
    if (line !== undefined) say(line);
    finish(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) io.onSignal(signal, () => { void stopWith(EXIT.ok, signal); });

  try {
    runtime = await OperatorRuntime.start({
      config, kubeConfig, logger, metrics: createOperatorMetrics(), loadReconciler: () => loadReconciler(config),
      onFatal: (err) => { void stopWith(EXIT.failed, 'fatal', describe(err)); },
    });
  } catch (err) {
    const line = describeStartupFailure(err, { server, kubeconfig: config.kubeconfig });
    if (line === undefined) throw err;
    say(line);
    return EXIT.failed;
  }
  if (stopping) await runtime.stop();
  return await finished;
}

function loadKubeConfig(config: OperatorConfig, env: OperatorIo['env']): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig !== undefined) {
    try {
      kc.loadFromFile(config.kubeconfig);
    } catch (err) {
      throw new StartupError(`cannot load the kubeconfig ${config.kubeconfig}: ${describeCause(err)}`, { cause: err });
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new StartupError(`the kubeconfig ${config.kubeconfig} names no current cluster: set current-context (kubectl config use-context NAME)`);
    if (!/^https?:\/\//.test(cluster.server)) throw new StartupError(`the kubeconfig ${config.kubeconfig} has no usable server for cluster ${cluster.name}: ${JSON.stringify(cluster.server)}`);
    return kc;
  }
  if (!env['KUBERNETES_SERVICE_HOST']) {
    throw new StartupError('no kubeconfig: pass --kubeconfig FILE or set KUBECONFIG, or run the operator in a pod (in-cluster ServiceAccount)');
  }
  try {
    kc.loadFromCluster();
  } catch (err) {
    throw new StartupError(`cannot load the in-cluster ServiceAccount credentials: ${describeCause(err)}`, { cause: err });
  }
  return kc;
}

