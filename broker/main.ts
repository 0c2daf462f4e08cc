#!/usr/bin/env node
// The composition root and `meshmq` command: the only place that reads process.env, writes to
// the console and calls process.exit. `meshmq [start] [--config FILE]` runs a broker;
// `meshmq passwd [--user NAME]` prints a users-file entry for a password read from stdin;
// `meshmq ctl ...` operates a running broker through its admin API.
import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Authorizer } from './auth/authorizer.js';
import { createFileAuthorizer } from './auth/file-authorizer.js';
import { createBroker, type Broker, type BrokerDeps } from './broker.js';
import { createBrokerCallbacks, createClusterHooks, type ClusterBrokerSide, type ClusterHooks } from './cluster/broker-cluster-hooks.js';
import { ClusterConfigError, ClusterNode } from './cluster/cluster-node.js';
import { clusterSysExtras } from './cluster/cluster-sys-values.js';
import { createNodeIdentity } from './cluster/node-identity.js';
import { defaultNodeName } from './cluster/node-name.js';
import { runShutdown } from './cli/graceful-shutdown.js';
import { PASSWD_USAGE, UsageError, runPasswd } from './cli/passwd.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { describeEnvVars } from './config/describe-config.js';
import { findOpenDoors } from './config/open-doors.js';
import { createAdminClient } from './contract/admin-client.js';
import { CTL_EXIT, runCtl } from './ctl/ctl-commands.js';
import { CtlUsageError, parseCtlArgs, type CtlInvocation } from './ctl/ctl-args.js';
import { ListenError } from './listeners/listen-error.js';
import { findListenConflicts, planListeners } from './listeners/port-check.js';
import { BROKER_VERSION } from './util/version.js';
import type { Config } from './config/schema.js';
import { DrainController } from './drain/drain-controller.js';
import { createAdminRoutes } from './http/admin-routes.js';
import { ApiError } from './http/api-error.js';
import { createClusterRoutes, type ClusterAdminTarget } from './http/cluster-routes.js';
import { createDrainRoutes } from './http/drain-routes.js';
import { HttpServer } from './http/http-server.js';
import { createLocalClusterTarget } from './http/local-cluster-target.js';
import { createMembershipRoutes } from './http/membership-routes.js';
import { decideReadiness } from './http/readiness.js';
import { createLogger, type Logger } from './contract/logger.js';
import { createBrokerMetrics } from './metrics/broker-metrics.js';
import { createMemoryStore } from './store/memory-store.js';
import { MinorityPause } from './partition/minority-pause.js';
import { checkRedisServers, connectRedis, createRedisConnection } from './store/redis/redis-client.js';
import { createRedisStore } from './store/redis/redis-store.js';
import { dropCodecNumberCache, limitYoungGeneration } from './util/heap-tuning.js';
import type { Store } from './store/store.js';

const USAGE = `usage: meshmq [start] [--config FILE]          run a broker (the default command)
       meshmq passwd [--user NAME] < password    print a users-file entry for the password on stdin
       meshmq ctl COMMAND [--url URL] [--json]   operate a running broker (meshmq ctl --help)
       meshmq --help | --version

With no configuration meshmq starts as one node with an in-memory store: MQTT on 1883, WebSocket
on 8083 (path /mqtt), HTTP (/healthz, /readyz, /metrics, /api/v1) on 8081. A YAML/JSON file
(--config FILE or MESHMQ_CONFIG) holds the same keys as the variables below, which win over it.`;
/**
 * After the drain (drain.timeoutMs), what stopping the broker may take: owed messages (2 s), sockets
 * flushing (3 s), the rest. Kubernetes waits 30 s by default before SIGKILL: 20 s + 8 s fit.
 */
const STOP_AFTER_DRAIN_MS = 8000;
const EXIT_CONFIG = 2;
/** The configured store cannot be reached at start. */
const EXIT_STORE = 3;
const EXIT_SIGNAL_BASE = 128;

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  const wantsHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');
  if (first === 'passwd') {
    if (wantsHelp(rest)) { process.stdout.write(`${PASSWD_USAGE}\n`); return; }
    return await passwd(rest);
  }
  if (first === 'ctl') return await ctl(rest);
  if (first === '--version' || first === '-V' || first === 'version') { process.stdout.write(`meshmq ${BROKER_VERSION} (Node.js ${process.version})\n`); return; }
  if (first === 'help' || wantsHelp(first === 'start' ? rest : argv)) { process.stdout.write(`${USAGE}\n\n${describeEnvVars()}\n`); return; }
  if (first === undefined || first === 'start' || first.startsWith('-')) return await start(first === 'start' ? rest : argv);
  process.stderr.write(`meshmq: unknown command ${JSON.stringify(first)}\n${USAGE}\n`);
  process.exit(EXIT_CONFIG);
}

async function passwd(argv: readonly string[]): Promise<void> {
  try {
    process.stdout.write(await runPasswd({ argv, readStdin: () => readAll(process.stdin) }));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`meshmq passwd: ${err.message}\n${PASSWD_USAGE}\n`);
    process.exit(EXIT_CONFIG);
  }
}

async function ctl(argv: readonly string[]): Promise<void> {
  let invocation: CtlInvocation;
  try {
    invocation = parseCtlArgs(argv, process.env);
  } catch (err) {
    if (!(err instanceof CtlUsageError)) throw err;
    process.stderr.write(`meshmq ctl: ${err.message}\n(\`meshmq ctl --help\` lists the commands and options)\n`);
    process.exit(CTL_EXIT.usage);
  }
  const client = createAdminClient({ baseUrl: invocation.url, token: invocation.token, timeoutMs: invocation.timeoutMs });
  const code = await runCtl(invocation, client, {
    out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`),
    now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  // Not process.exit: what was written to a pipe is flushed first.
  process.exitCode = code;
}

async function start(argv: readonly string[]): Promise<void> {
  const readFile = (path: string): string => fs.readFileSync(path, 'utf8');
  let config: Config;
  let warnings: string[];
  try {
    ({ config, warnings } = loadConfig({ argv, env: process.env, readFile, hostname: defaultNodeName(process.env, os.hostname()) }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`meshmq: ${err.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  applyProcessSettings(config);
  const format = config.log.format === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : config.log.format;
  const logger = createLogger({ level: config.log.level, format }).child({ node: config.nodeName });
  for (const warning of warnings) logger.warn(warning);
  await preflight(config, logger);
  process.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection', { err: reason }));

  let authorizer: Authorizer;
  try {
    authorizer = createFileAuthorizer(config.auth, readFile);
  } catch (err) {
    process.stderr.write(`meshmq: ${(err as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const store = await createStore(config, logger);
  // Clustered: the broker's hooks reach the node and the node's callbacks reach the broker through
  // these late-bound references; the node starts (mesh, discovery) before the broker's listeners.
  const clustered = config.cluster.discovery !== 'none';
  const metrics = createBrokerMetrics({ defaultMetrics: true, clustered });
  let node: ClusterNode | undefined;
  const hooks: ClusterHooks | undefined = clustered ? createClusterHooks(() => node) : undefined;
  const deps: BrokerDeps & { cluster?: ClusterHooks } = {
    config, store, authorizer, metrics, logger,
    ...(hooks ? { remoteRouter: hooks.remoteRouter, cluster: hooks } : {}),
    ...(clustered ? {
      sysExtras: async () => (node === undefined ? { values: [] } : await clusterSysExtras(node, metrics)),
      peers: () => (node?.view().nodes ?? []).filter((n) => !n.self).map((n) => ({ name: n.node, up: n.state === 'up' })),
      forgetPeer: (name: string) => { node?.forget(name); },
    } : {}),
  };
  const broker = createBroker(deps);
  const drain = new DrainController({
    nodeName: config.nodeName, broker: broker.drainSide, cluster: () => node, logger: logger.child({ component: 'drain' }), metrics, now: Date.now,
    timeoutMs: config.drain.timeoutMs,
  });
  // pauseMinority: clients are refused from the start until the node knows it has a majority.
  const pause = clustered && config.cluster.partitionMode === 'pauseMinority'
    ? new MinorityPause({ broker: broker.drainSide, draining: () => drain.state !== 'serving', logger: logger.child({ component: 'partition' }), metrics })
    : undefined;
  const shutdown = { started: false };
  const http = config.listeners.http.enabled
    ? new HttpServer({
      host: config.bind, port: config.listeners.http.port, nodeName: config.nodeName,
      readiness: () => decideReadiness({
        shuttingDown: shutdown.started, drain: drain.state, listening: broker.isReady(),
        cluster: clustered ? {
          joined: node?.joined() ?? false, waiting: node?.joinWaiting() ?? [], majority: node?.majority.current(), partitionMode: config.cluster.partitionMode,
        } : undefined,
        storeUp: broker.storeAvailable(),
        storeProblem: broker.storeProblem(),
        now: Date.now(),
      }),
      metrics: metrics.registry,
      routes: [
        ...createAdminRoutes(broker),
        ...createClusterRoutes(clustered ? clusterAdmin(() => node) : createLocalClusterTarget({
          ...createNodeIdentity(config.nodeName, Date.now()), now: Date.now, draining: () => drain.state !== 'serving',
          sessions: () => broker.drainSide.sessionCount(), localFilters: (limit) => broker.localFilters(limit),
        })),
        ...createDrainRoutes(drain, (err) => logger.error('drain failed', { err })),
        ...createMembershipRoutes(config.nodeName, config.cluster.discovery, () => node),
      ],
      apiToken: config.auth.apiToken, logger: logger.child({ component: 'http' }),
    })
    : undefined;

  installSignalHandlers({ logger, broker, node: () => node, http, store, drain, shutdown, stopTimeoutMs: config.drain.timeoutMs + STOP_AFTER_DRAIN_MS });
  try {
    // HTTP first: /healthz answers while the listeners come up, /readyz says 503 until they are (and joined).
    const httpAddress = await http?.start();
    if (clustered) {
      const clusterBroker = broker as unknown as ClusterBrokerSide;
      const callbacks = createBrokerCallbacks(() => clusterBroker, (seam) => logger.error('the broker lacks a cluster seam; that cluster feature is off', { seam }));
      node = await ClusterNode.start({
        config, logger, metrics, now: Date.now, ...callbacks, handoffBroker: () => broker.drainSide, refuseUnreachable: store.durable,
        localStatus: () => ({ draining: drain.state !== 'serving', sessions: broker.drainSide.sessionCount() }),
        onHandoffRefused: (peer, clientIds) => drain.refused(peer, clientIds),
      });
      if (pause !== undefined) node.majority.onChange((decision) => pause.update(decision));
      await broker.start();
      node.retained.seed(clusterBroker.retainedMessages?.() ?? []);
    } else {
      await broker.start();
    }
    logger.info('listening', { ...formatAddresses(broker.addresses()), ...(httpAddress ? { http: formatAddress(httpAddress) } : {}), ...(node ? { cluster: `${config.bind}:${node.port}` } : {}) });
  } catch (err) {
    const listenError = asListenError(err, config);
    if (listenError === undefined) logger.error('start failed', { err });
    await Promise.allSettled([node?.close(), broker.stop(), http?.close(), store.close()]);
    // A port taken since the check above: the same plain line.
    if (listenError !== undefined) process.stderr.write(`meshmq: ${listenError.message}\n`);
    process.exit(err instanceof ClusterConfigError || listenError !== undefined ? EXIT_CONFIG : 1);
  }
}

/**
 * Before anything starts: every listener that cannot bind, said at once in one plain line each (then
 * exit), and one warning line for each door the configuration leaves open.
 */
async function preflight(config: Config, logger: Logger): Promise<void> {
  const conflicts = await findListenConflicts(planListeners(config));
  if (conflicts.length > 0) {
    for (const conflict of conflicts) process.stderr.write(`meshmq: ${conflict.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  for (const open of findOpenDoors(config)) logger.warn(open.message, { door: open.door });
}

/** A listener's bind failure as a ListenError (the mesh reports the system's error as it is). */
function asListenError(err: unknown, config: Config): ListenError | undefined {
  if (err instanceof ListenError) return err;
  const e = err as { syscall?: unknown; port?: unknown } | undefined;
  if (e?.syscall !== 'listen' || typeof e.port !== 'number') return undefined;
  const plan = planListeners(config).find((p) => p.port === e.port);
  return plan === undefined ? undefined : new ListenError(plan.listener, plan.host, plan.port, err);
}

/** Process-wide settings, before anything allocates: they concern the whole process, not one broker. */
function applyProcessSettings(config: Config): void {
  if (config.limits.compactHeap) limitYoungGeneration();
  dropCodecNumberCache();
}

/** The cluster admin routes over a node that exists once start() got that far. */
function clusterAdmin(getNode: () => ClusterNode | undefined): ClusterAdminTarget {
  const node = (): ClusterNode => {
    const n = getNode();
    if (n === undefined) throw new ApiError('not_ready', 'the cluster node is still starting');
    return n;
  };
  return {
    view: () => node().view(), forget: (name) => node().forget(name), listRoutes: (limit) => node().listRoutes(limit),
    grantServing: (request) => node().majority.grant(request),
  };
}

/** The memory store, or Redis once it answers (else the start fails naming the setting and what was tried). */
async function createStore(config: Config, logger: Logger): Promise<Store> {
  if (config.store.type === 'memory') return createMemoryStore();
  const storeLog = logger.child({ component: 'store' });
  let connection;
  try {
    connection = createRedisConnection(config.store, (err) => storeLog.debug('redis connection error', { err }));
    await connectRedis(connection, config.store.connectTimeoutMs);
  } catch (err) {
    process.stderr.write(`meshmq: store.type=redis: ${(err as Error).message}\n`);
    return process.exit(EXIT_STORE);
  }
  for (const warning of await checkRedisServers(connection)) logger.warn(warning);
  logger.info('store connected', { store: connection.target });
  return createRedisStore({
    // WAIT gives up before the command timeout does, so a missing replica reads as "not replicated".
    connection, keyPrefix: config.store.keyPrefix, minReplicas: config.store.minReplicas, replicaTimeoutMs: Math.max(10, Math.floor(config.store.commandTimeoutMs * 0.75)),
  });
}

interface ShutdownParts {
  logger: Logger; broker: Broker; node: () => ClusterNode | undefined; http: HttpServer | undefined; store: Store;
  drain: DrainController; shutdown: { started: boolean }; stopTimeoutMs: number;
}

/**
 * SIGTERM/SIGINT: a serving node drains first (sessions to the other nodes, then it leaves the mesh);
 * a node already drained (POST /api/v1/drain) stops at once. Then the broker, HTTP and store stop.
 */
function installSignalHandlers(p: ShutdownParts): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      p.logger.warn('second signal: exiting now', { signal });
      process.exit(EXIT_SIGNAL_BASE + os.constants.signals[signal]);
    }
    stopping = true;
    p.logger.info('shutting down', { signal, drain: p.drain.state, timeoutMs: p.stopTimeoutMs });
    void runShutdown([
      // Ends when drained: immediately when it already was, else once sessions are handed over (bounded).
      { name: 'drain', run: () => p.drain.start('signal') },
      { name: 'readiness', run: () => { p.shutdown.started = true; } },
      // Already left when drained; a node whose drain failed still tells its peers it goes.
      { name: 'cluster', run: () => p.node()?.leave() },
      { name: 'broker', run: () => p.broker.stop() },
      { name: 'http', run: () => p.http?.close() },
      { name: 'store', run: () => p.store.close() },
    ], p.stopTimeoutMs, p.logger).then((result) => {
      if (result.ok) p.logger.info('stopped');
      process.exit(result.ok ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function formatAddresses(addresses: Partial<Record<'mqtt' | 'ws' | 'tls', AddressInfo>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, address] of Object.entries(addresses)) if (address !== undefined) out[name] = formatAddress(address);
  return out;
}

function formatAddress({ address, port }: AddressInfo): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`meshmq: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
