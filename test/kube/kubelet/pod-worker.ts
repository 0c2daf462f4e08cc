// One pod on this node: its network attachment, volumes, init then main containers, its status,
// and graceful termination. The kubelet owns one worker per pod UID.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import type { PodNetwork } from '../network/pod-network.js';
import { ContainerRunner } from './container-runner.js';
import { toKubeTime, type Backoff, type RestartPolicy } from './container-state.js';
import { lookupImage, resolveContainerArgv, type ImageMap } from './image-map.js';
import { buildContainerEnv, expandVars, type EnvSources } from './pod-env.js';
import { containerLogPath, podLogDir } from './pod-log-files.js';
import { ConditionClock, decideConditions, decidePhase, decideQosClass, type ContainerSummary } from './pod-status.js';
import { containerMounts, rewriteMountPaths, writePodVolumes } from './pod-volumes.js';
import { SERVICE_ACCOUNT_MOUNT_PATH, tokensWanted, withServiceAccountMount, type TokenWanted } from './service-account-token.js';

export interface PodWorkerDeps {
  network: PodNetwork;
  imageMap: ImageMap;
  /** Per-pod working directories (volumes) go under here. */
  podsDir: string;
  /** Container logs: `<logsDir>/<ns>_<name>_<uid>/<container>.log`, like /var/log/pods. */
  logsDir: string;
  /** Fetches the ConfigMaps and Secrets the pod names (missing ones are simply absent), and its ServiceAccount tokens. */
  loadSources(namespace: string, names: ReferencedSources): Promise<EnvSources>;
  /** Variables the node gives every container before the pod's own (e.g. the node's resolver). */
  nodeEnv: Readonly<Record<string, string>>;
  hostIp: string;
  timeScale: number;
  backoff: Backoff;
  logger: Logger;
  onChange: () => void;
  /** Records an Event about the pod (fieldPath names a container for container events). */
  onEvent?: (type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string) => void;
  now?: () => Date;
}

export interface ReferencedSources {
  configMaps: string[];
  secrets: string[];
  /** Tokens of projected volumes, for the pod's ServiceAccount, bound to the pod. */
  tokens?: { serviceAccount: string; pod: { name: string; uid: string }; wanted: TokenWanted[] };
}

/** The ConfigMaps, Secrets and ServiceAccount tokens a pod refers to, through env, envFrom and volumes. */
export function referencedSources(pod: V1Pod): ReferencedSources {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
  }
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  const wanted = tokensWanted(pod);
  const tokens = wanted.length === 0 ? undefined
    : { serviceAccount: pod.spec?.serviceAccountName ?? 'default', pod: { name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }, wanted };
  return { configMaps: [...configMaps], secrets: [...secrets], ...(tokens ? { tokens } : {}) };
}

export class PodWorker {
  readonly #deps: PodWorkerDeps;
  readonly #now: () => Date;
  readonly #key: string;
  readonly #podDir: string;
  readonly #logDir: string;
  readonly #conditions = new ConditionClock();
  #pod: V1Pod;
  #podIp: string | undefined;
  #startTime: Date | undefined;
  #init: ContainerRunner[] = [];
  #main: ContainerRunner[] = [];
  #setupError: string | undefined;
  #terminating: Promise<void> | undefined;
  #closed = false;

  constructor(pod: V1Pod, deps: PodWorkerDeps) {
    this.#pod = pod;
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    const meta = pod.metadata ?? {};
    this.#key = `${meta.namespace ?? 'default'}/${meta.name ?? ''}`;
    this.#podDir = path.join(deps.podsDir, meta.uid ?? meta.name ?? 'pod');
    this.#logDir = podLogDir(deps.logsDir, { namespace: meta.namespace ?? 'default', name: meta.name ?? '', uid: meta.uid ?? '' });
  }

  get key(): string { return this.#key; }
  get podIp(): string | undefined { return this.#podIp; }
  get terminating(): boolean { return this.#terminating !== undefined; }
  /** The current instance's log (the previous instance's, before the last restart, sits beside it). */
  logFile(container: string): string { return containerLogPath(this.#logDir, container); }

  /** Sets the pod up and starts its containers: init containers one after another, then the rest together. */
  async start(): Promise<void> {
    this.#startTime = this.#now();
    const attachment = await this.#deps.network.attach(this.#key);
    this.#podIp = attachment.ip;
    this.#deps.onChange();
    await mkdir(this.#logDir, { recursive: true });
    await mkdir(this.#podDir, { recursive: true });
    const podWithIp: V1Pod = { ...this.#pod, status: { ...this.#pod.status, podIP: attachment.ip, podIPs: [{ ip: attachment.ip }], hostIP: this.#deps.hostIp } };
    let sources: EnvSources;
    try {
      sources = await this.#deps.loadSources(this.#pod.metadata?.namespace ?? 'default', referencedSources(this.#pod));
      await writePodVolumes(podWithIp, this.#podDir, sources);
      this.#init = (this.#pod.spec?.initContainers ?? []).map((c) => this.#runner(podWithIp, c, sources, true));
      this.#main = (this.#pod.spec?.containers ?? []).map((c) => this.#runner(podWithIp, c, sources, false));
    } catch (err) {
      // Kubernetes keeps such a pod Pending and retries; here the reason shows until the pod is replaced.
      this.#setupError = (err as Error).message;
      this.#deps.logger.warn('pod setup failed', { pod: this.#key, err });
      this.#deps.onEvent?.('Warning', 'Failed', `Error: ${this.#setupError}`);
      this.#deps.onChange();
      return;
    }
    for (const runner of this.#init) {
      if (this.#terminating || this.#closed) return;
      runner.start();
      await waitUntil(() => runner.done || this.#closed);
      if (runner.state.kind !== 'terminated' || runner.state.exitCode !== 0) return;
    }
    if (this.#terminating || this.#closed) return;
    for (const runner of this.#main) runner.start();
  }

  /** SIGTERM every container, SIGKILL after the grace period; resolves when all have stopped. */
  async terminate(graceSeconds: number): Promise<void> {
    this.#terminating ??= (async () => {
      this.#deps.logger.info('terminating pod', { pod: this.#key, graceSeconds });
      await Promise.all([...this.#init, ...this.#main].map((r) => r.stop(graceSeconds * 1000 * this.#deps.timeScale)));
    })();
    await this.#terminating;
  }

  status(): Record<string, unknown> {
    const summary = (r: ContainerRunner): ContainerSummary => ({
      started: r.status()['started'] === true, ready: r.ready, done: r.done, running: r.running,
      exitCode: r.state.kind === 'terminated' ? r.state.exitCode : undefined,
    });
    const observation = { init: this.#init.map(summary), main: this.#main.map(summary), ...(this.#setupError ? { setupError: this.#setupError } : {}) };
    const phase = decidePhase(observation);
    const waiting = this.#setupError ? { waiting: { reason: 'CreateContainerConfigError', message: this.#setupError } } : { waiting: { reason: 'ContainerCreating' } };
    const notStarted = (c: V1Container): Record<string, unknown> => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state: waiting, lastState: {} });
    const initStatuses = this.#init.length > 0 ? this.#init.map((r) => r.status()) : (this.#pod.spec?.initContainers ?? []).map(notStarted);
    return {
      phase,
      conditions: this.#conditions.conditions(decideConditions(observation, phase), this.#now()),
      hostIP: this.#deps.hostIp,
      hostIPs: [{ ip: this.#deps.hostIp }],
      ...(this.#podIp ? { podIP: this.#podIp, podIPs: [{ ip: this.#podIp }] } : {}),
      ...(this.#startTime ? { startTime: toKubeTime(this.#startTime) } : {}),
      qosClass: decideQosClass(this.#pod),
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: this.#main.length > 0 ? this.#main.map((r) => r.status()) : (this.#pod.spec?.containers ?? []).map(notStarted),
    };
  }

  /** Kills what still runs, releases the address and the pod's directory (logs are kept). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#init, ...this.#main].map((r) => r.stop(0)));
    await this.#deps.network.detach(this.#key);
    await rm(this.#podDir, { recursive: true, force: true });
  }

  #runner(pod: V1Pod, container: V1Container, sources: EnvSources, init: boolean): ContainerRunner {
    const mounts = containerMounts(container, this.#podDir);
    const meta = pod.metadata ?? {};
    const base: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOSTNAME: pod.spec?.hostname ?? meta.name ?? '',
      ...this.#deps.nodeEnv,
      KUBE_EMULATOR_MOUNTS: JSON.stringify(Object.fromEntries(mounts.map((m) => [m.mountPath, m.hostPath]))),
    };
    const env = Object.fromEntries(Object.entries(buildContainerEnv(pod, container, sources, base)).map(([k, v]) => [k, rewriteMountPaths(v, mounts)]));
    const expand = (words: readonly string[] | undefined): string[] | undefined => words?.map((w) => rewriteMountPaths(expandVars(w, env), mounts));
    const entry = lookupImage(this.#deps.imageMap, container.image ?? '');
    const argv = resolveContainerArgv(entry, expand(container.command), expand(container.args));
    const wrap = (words: readonly string[]): string[] => this.#deps.network.wrapCommand(this.#key, words);
    // In a network namespace the container also has a mount namespace: its ServiceAccount
    // credentials go where in-cluster clients look for them.
    const serviceAccount = this.#deps.network.kind === 'netns' ? mounts.find((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH) : undefined;
    const command = serviceAccount ? withServiceAccountMount(serviceAccount.hostPath, argv) : argv;
    const restartPolicy = (pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;
    const fieldPath = `spec.${init ? 'initContainers' : 'containers'}{${container.name}}`;
    return new ContainerRunner({
      container, env, init, restartPolicy,
      argv: wrap(command),
      cwd: container.workingDir ? rewriteMountPaths(container.workingDir, mounts) : this.#podDir,
      logFile: this.logFile(container.name),
      previousLogFile: containerLogPath(this.#logDir, container.name, 'previous'),
      probe: { podIp: this.#podIp ?? '127.0.0.1', env, timeScale: this.#deps.timeScale, execArgv: (cmd) => wrap(resolveContainerArgv(entry, cmd, [])) },
      timeScale: this.#deps.timeScale,
      backoff: this.#deps.backoff,
      terminationGraceMs: (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000 * this.#deps.timeScale,
      logger: this.#deps.logger.child({ pod: this.#key, container: container.name }),
      onChange: this.#deps.onChange,
      onEvent: (type, reason, message) => this.#deps.onEvent?.(type, reason, message, fieldPath),
      podDisplayName: `${meta.name ?? ''}_${meta.namespace ?? 'default'}(${meta.uid ?? ''})`,
      ...(this.#deps.now ? { now: this.#deps.now } : {}),
    });
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}
