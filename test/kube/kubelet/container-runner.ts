// One container as a host process: start, probes (startup, liveness, readiness), restarts per
// restartPolicy with crash-loop backoff, and graceful stop (SIGTERM, SIGKILL after the grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, renameSync } from 'node:fs';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';
import { runProbe, type ProbeContext, type ProbeResult } from './probe.js';
import { exitCodeOf, restartDelayMs, shouldRestart, stateJson, type Backoff, type ContainerState, type RestartPolicy } from './container-state.js';

export interface ContainerRunnerOptions {
  container: V1Container;
  /** The host argv (image-mapped, expanded, wrapped into the pod's network). */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** A restart moves the last instance's log here first (what `kubectl logs --previous` reads). */
  previousLogFile: string;
  restartPolicy: RestartPolicy;
  /** An init container: done when it exits 0. */
  init: boolean;
  probe: Omit<ProbeContext, 'container'>;
  /** Multiplies every duration the pod declares (probe periods, delays); 1 is real time. */
  timeScale: number;
  backoff: Backoff;
  /** `name_namespace(uid)`, as the kubelet names pods in messages. */
  podDisplayName: string;
  /** Grace period for a kill decided by the kubelet (failed liveness), as the pod declares it. */
  terminationGraceMs: number;
  logger: Logger;
  onChange: () => void;
  /** What the kubelet records as Events about this container (Pulled, Created, Started, Unhealthy, BackOff, Killing). */
  onEvent: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  now?: () => Date;
}

type ProbeKind = 'startup' | 'liveness' | 'readiness';
const PROBE_TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

export class ContainerRunner {
  readonly #o: ContainerRunnerOptions;
  readonly #now: () => Date;
  readonly #timers = new Set<NodeJS.Timeout>();
  #child: ChildProcess | undefined;
  #state: ContainerState = { kind: 'waiting', reason: 'ContainerCreating' };
  #lastTerminated: ContainerState | undefined;
  #restartCount = 0;
  #started = false;
  #ready = false;
  /** Bumped at every start and exit, so probe loops of an old process stop. */
  #generation = 0;
  #stopping = false;
  #done = false;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: ContainerRunnerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  get name(): string { return this.#o.container.name; }
  get ready(): boolean { return this.#ready; }
  get running(): boolean { return this.#state.kind === 'running'; }
  /** The container will not run again (completed, failed for good, or stopped). */
  get done(): boolean { return this.#done; }
  get state(): ContainerState { return this.#state; }
  get pid(): number | undefined { return this.#child?.pid; }

  start(): void { this.#startProcess(); }

  /** SIGTERM, then SIGKILL after `graceMs`; the container is not restarted afterwards. */
  async stop(graceMs: number): Promise<void> {
    if (!this.#stopping && this.#state.kind === 'running') this.#o.onEvent('Normal', 'Killing', `Stopping container ${this.name}`);
    this.#stopping = true;
    this.#clearTimers();
    await this.#kill(graceMs);
    this.#done = true;
  }

  status(): Record<string, unknown> {
    const c = this.#o.container;
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: `emulator://${c.image ?? ''}`,
      ...(this.#child?.pid !== undefined ? { containerID: `emulator://${this.#child.pid}` } : {}),
      ready: this.#ready,
      started: this.#started,
      restartCount: this.#restartCount,
      state: stateJson(this.#state),
      lastState: this.#lastTerminated ? stateJson(this.#lastTerminated) : {},
    };
  }

  #startProcess(): void {
    if (this.#stopping) return;
    const generation = ++this.#generation;
    const [file, ...args] = this.#o.argv;
    if (this.#restartCount > 0) this.#rotateLog();
    this.#recordPull();
    const fd = openSync(this.#o.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file ?? '', args, { env: { ...this.#o.env }, cwd: this.#o.cwd, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.#child = child;
    const startedAt = this.#now();
    this.#state = { kind: 'running', startedAt };
    this.#started = this.#o.container.startupProbe === undefined;
    this.#ready = this.#started && this.#o.container.readinessProbe === undefined && !this.#o.init;
    let settle: () => void = () => undefined;
    this.#exited = new Promise<void>((resolve) => { settle = resolve; });
    let exited = false;
    const onExit = (code: number | null, signal: NodeJS.Signals | null, message?: string): void => {
      if (exited) return;
      exited = true;
      this.#onExit(generation, startedAt, code, signal, message);
      settle();
    };
    child.once('error', (err) => {
      this.#o.onEvent('Warning', 'Failed', `Error: ${err.message}`);
      onExit(128, null, `StartError: ${err.message}`);
    });
    child.once('exit', (code, signal) => onExit(code, signal));
    this.#o.onEvent('Normal', 'Created', `Created container: ${this.name}`);
    this.#o.onEvent('Normal', 'Started', `Started container ${this.name}`);
    this.#o.logger.debug('container started', { container: this.name, pid: child.pid });
    if (this.#o.container.startupProbe) this.#probeLoop('startup', this.#o.container.startupProbe, generation);
    else this.#startSteadyProbes(generation);
    this.#o.onChange();
  }

  /** The image step: nothing is pulled (the image map stands for images), but the events say what a node would. */
  #recordPull(): void {
    const image = this.#o.container.image ?? '';
    if (this.#o.container.imagePullPolicy === 'Always') {
      this.#o.onEvent('Normal', 'Pulling', `Pulling image "${image}"`);
      this.#o.onEvent('Normal', 'Pulled', `Successfully pulled image "${image}" in 0s (0s including waiting). Image size: 0 bytes.`);
    } else {
      this.#o.onEvent('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    }
  }

  #rotateLog(): void {
    try {
      renameSync(this.#o.logFile, this.#o.previousLogFile);
    } catch (err) {
      // A run that never wrote a byte left no file: there is nothing to keep.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot rotate the log of ${this.name}`, { cause: err });
    }
  }

  #startSteadyProbes(generation: number): void {
    const c = this.#o.container;
    if (c.livenessProbe) this.#probeLoop('liveness', c.livenessProbe, generation);
    if (c.readinessProbe) this.#probeLoop('readiness', c.readinessProbe, generation);
  }

  #onExit(generation: number, startedAt: Date, code: number | null, signal: NodeJS.Signals | null, message?: string): void {
    if (generation === this.#generation) this.#generation++;
    const { exitCode, signal: signo } = exitCodeOf(code, signal);
    const reason = message ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error';
    this.#state = { kind: 'terminated', exitCode, reason, startedAt, finishedAt: this.#now(), ...(signo !== undefined ? { signal: signo } : {}), ...(message ? { message } : {}) };
    this.#ready = false;
    this.#o.logger.info('container exited', { container: this.name, exitCode, signal });
    if (this.#stopping || !shouldRestart(this.#o.restartPolicy, exitCode, this.#o.init)) {
      this.#done = true;
      this.#o.onChange();
      return;
    }
    const delay = restartDelayMs(this.#restartCount, this.#o.backoff);
    this.#lastTerminated = this.#state;
    if (delay > 0) {
      this.#state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.name}` };
      this.#o.onEvent('Warning', 'BackOff', `Back-off restarting failed container ${this.name} in pod ${this.#o.podDisplayName}`);
    }
    this.#o.onChange();
    this.#schedule(delay, () => {
      this.#restartCount++;
      this.#startProcess();
    });
  }

  #probeLoop(kind: ProbeKind, probe: V1Probe, generation: number): void {
    const scale = this.#o.timeScale;
    const periodMs = (probe.periodSeconds ?? 10) * 1000 * scale;
    const failureThreshold = probe.failureThreshold ?? 3;
    const successThreshold = probe.successThreshold ?? 1;
    const ctx: ProbeContext = { ...this.#o.probe, container: this.#o.container };
    let successes = 0;
    let failures = 0;
    const tick = async (): Promise<void> => {
      if (generation !== this.#generation) return;
      const result = await runProbe(probe, ctx);
      if (generation !== this.#generation) return;
      if (result.ok) { successes++; failures = 0; } else { failures++; successes = 0; }
      const keepGoing = this.#onProbe(kind, result, successes >= successThreshold, failures >= failureThreshold, generation);
      if (keepGoing) this.#schedule(periodMs, () => void tick());
    };
    this.#schedule((probe.initialDelaySeconds ?? 0) * 1000 * scale, () => void tick());
  }

  /** Acts on a probe result; returns whether this probe keeps running. */
  #onProbe(kind: ProbeKind, result: ProbeResult, succeeded: boolean, failed: boolean, generation: number): boolean {
    // Every failed attempt is an Unhealthy event; the recorder folds repeats into a count.
    if (!result.ok) this.#o.onEvent('Warning', 'Unhealthy', `${PROBE_TITLE[kind]} probe failed: ${result.message}`);
    if (kind === 'readiness') {
      const ready = succeeded ? true : failed ? false : this.#ready;
      if (ready !== this.#ready) {
        this.#ready = ready;
        this.#o.logger.info(ready ? 'container ready' : 'readiness probe failed', { container: this.name, message: result.message });
        this.#o.onChange();
      }
      return true;
    }
    if (kind === 'startup' && succeeded) {
      this.#started = true;
      if (this.#o.container.readinessProbe === undefined) this.#ready = true;
      this.#startSteadyProbes(generation);
      this.#o.onChange();
      return false;
    }
    if (failed) {
      // A failed liveness or startup probe kills the container; restartPolicy decides what follows.
      this.#o.logger.warn(`${kind} probe failed, killing container`, { container: this.name, message: result.message });
      this.#o.onEvent('Normal', 'Killing', `Container ${this.name} failed ${kind} probe, will be restarted`);
      void this.#kill(this.#o.terminationGraceMs);
      return false;
    }
    return true;
  }

  async #kill(graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || this.#state.kind !== 'running') return;
    const exited = this.#exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, graceMs));
    try { await exited; } finally { clearTimeout(timer); }
  }

  #schedule(ms: number, fn: () => void): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); fn(); }, ms);
    this.#timers.add(timer);
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
