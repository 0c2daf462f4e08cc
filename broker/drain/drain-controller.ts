// A node's drain (POST /api/v1/drain, or SIGTERM): refuse new clients and turn not-ready, tell the
// peers, let non-persistent clients go, hand every persistent session to a surviving node (each live
// client is disconnected as its session leaves, so its reconnect finds it), disconnect the rest, wait
// for the new owners to confirm their routes, leave the mesh. Bounded by drain.timeoutMs.
import type { DrainState, DrainStatus } from '../contract/drain-api.js';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { ReasonCode } from '../protocol/reason-codes.js';
import { planHandoffs, type TrackedSession } from './drain-plan.js';

export interface DrainBroker {
  beginDrain(disconnectReason: number): void;
  heldSessions(): Array<{ clientId: string; username: string | undefined; persistent: boolean; connected: boolean }>;
  countClients(): number;
  disconnectClients(which: 'all' | 'non-persistent'): number;
  flushConnected(timeoutMs: number): Promise<void>;
  pendingRelays(): Map<string, number>;
  /** Relayed deliveries not yet acknowledged where they went: forwards here wait on them. */
  unacknowledgedRelays(): number;
  endAllRelays(): void;
}

export interface DrainCluster {
  /** Heartbeats now: the peers learn this node drains (they stop picking it as a target). */
  announceStatus(): void;
  handoffCandidates(exclude: ReadonlySet<string>): string[];
  requestHandoff(node: string, sessions: ReadonlyArray<{ clientId: string; username: string | undefined }>): boolean;
  leave(options: { waitForPeersMs: number; settled: () => boolean }): Promise<void>;
}

export interface DrainControllerDeps {
  readonly nodeName: string;
  readonly broker: DrainBroker;
  /** Undefined on a node that is not clustered (or before its cluster node started). */
  readonly cluster: () => DrainCluster | undefined;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly now: () => number;
  /** The whole drain's bound (config drain.timeoutMs). */
  readonly timeoutMs: number;
  /** How often the hand-off is re-planned. */
  readonly tickMs?: number;
}

/** Kept for leaving the mesh at the end of the bound. */
const LEAVE_BUDGET_MS = 2000;
/** A peer that has not taken a session this long after the request is given up on for it. */
const ASK_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 3;

export class DrainController {
  readonly #d: DrainControllerDeps;
  #state: DrainState = 'serving';
  #trigger: 'api' | 'signal' | undefined;
  #startedAt: number | undefined;
  #finishedAt: number | undefined;
  #exclude: string[] = [];
  #sessions = new Map<string, TrackedSession>();
  #refused = new Map<string, Set<string>>();
  #message: string | undefined;
  #run: Promise<void> | undefined;

  constructor(deps: DrainControllerDeps) {
    this.#d = deps;
  }

  get state(): DrainState { return this.#state; }

  /** Starts the drain (once; later calls get the same run). Resolves when drained. */
  start(trigger: 'api' | 'signal', exclude: readonly string[] = []): Promise<void> {
    if (this.#run !== undefined) return this.#run;
    this.#trigger = trigger;
    this.#exclude = [...new Set(exclude)];
    this.#startedAt = this.#d.now();
    this.#state = 'draining';
    this.#run = this.#drain().catch((err: unknown) => {
      this.#d.logger.error('drain failed; leaving the mesh', { err });
      return this.#finish();
    });
    return this.#run;
  }

  /** A peer refused sessions (it drains too): they are asked of another one at the next tick. */
  refused(node: string, clientIds: readonly string[]): void {
    for (const clientId of clientIds) {
      let by = this.#refused.get(clientId);
      if (by === undefined) this.#refused.set(clientId, (by = new Set()));
      by.add(node);
    }
  }

  status(): DrainStatus {
    let handedOver = 0;
    let failed = 0;
    for (const s of this.#sessions.values()) {
      if (s.state === 'handed') handedOver++;
      else if (s.state === 'failed') failed++;
    }
    return {
      node: this.#d.nodeName, state: this.#state, timeoutMs: this.#d.timeoutMs, exclude: this.#exclude,
      ...(this.#trigger === undefined ? {} : { trigger: this.#trigger }),
      ...(this.#startedAt === undefined ? {} : { startedAt: this.#startedAt }),
      ...(this.#finishedAt === undefined ? {} : { finishedAt: this.#finishedAt }),
      sessions: { toHandOver: this.#sessions.size, handedOver, failed, clientsConnected: this.#d.broker.countClients() },
      ...(this.#message === undefined ? {} : { message: this.#message }),
    };
  }

  async #drain(): Promise<void> {
    const { broker, logger } = this.#d;
    const startedAt = this.#startedAt ?? this.#d.now();
    // The process goes away on a signal (0x8B); through the API it stays, refusing: use another (0x9C).
    broker.beginDrain(this.#trigger === 'signal' ? ReasonCode.ServerShuttingDown : ReasonCode.UseAnotherServer);
    this.#d.cluster()?.announceStatus();
    const persistent = broker.heldSessions().filter((s) => s.persistent).length;
    logger.info('draining', { trigger: this.#trigger, sessions: persistent, clients: broker.countClients(), exclude: this.#exclude, timeoutMs: this.#d.timeoutMs });
    const deadline = startedAt + Math.max(0, this.#d.timeoutMs - LEAVE_BUDGET_MS);
    // Nothing to hand over for these: their sessions end with the connection, once they got what
    // they are owed (bounded). Persistent sessions take what they are owed along.
    await broker.flushConnected(Math.max(0, deadline - this.#d.now()) / 4);
    broker.disconnectClients('non-persistent');
    await this.#handOver(deadline);
    broker.disconnectClients('all');
    await this.#awaitRelays(deadline);
    await this.#finish();
  }

  async #handOver(deadline: number): Promise<void> {
    const exclude = new Set(this.#exclude);
    let reportedAlone = false;
    for (;;) {
      const cluster = this.#d.cluster();
      const held = new Map<string, { username: string | undefined }>();
      for (const s of this.#d.broker.heldSessions()) if (s.persistent) held.set(s.clientId, { username: s.username });
      const candidates = cluster?.handoffCandidates(exclude) ?? [];
      const refused = this.#refused;
      this.#refused = new Map();
      const plan = planHandoffs({
        sessions: this.#sessions, held, candidates, refused, now: this.#d.now(), askTimeoutMs: ASK_TIMEOUT_MS, maxAttempts: MAX_ATTEMPTS, deadline,
      });
      this.#sessions = plan.sessions;
      if (plan.handed.length > 0) this.#d.metrics.drainSessionsHandedOver.inc(plan.handed.length);
      if (plan.failed.length > 0) {
        this.#d.metrics.drainSessionsFailed.inc(plan.failed.length);
        if (candidates.length === 0 && !reportedAlone) {
          reportedAlone = true;
          this.#message = 'no surviving peer: sessions cannot be handed over and end with this process';
          this.#d.logger.warn('no surviving peer to hand sessions to: they end with this process', { sessions: plan.failed.length });
        } else {
          for (const clientId of plan.failed) this.#d.logger.warn('session not handed over', { clientId, why: this.#sessions.get(clientId)?.why });
        }
      }
      for (const [node, sessions] of plan.ask) {
        if (cluster?.requestHandoff(node, sessions) !== true) this.refused(node, sessions.map((s) => s.clientId));
      }
      if (plan.done) return;
      await sleep(this.#d.tickMs ?? 50);
    }
  }

  /** The new owners confirm their routes are everywhere (their relays from here may end): bounded. */
  async #awaitRelays(deadline: number): Promise<void> {
    while (this.#d.broker.pendingRelays().size > 0 && this.#d.now() < deadline) await sleep(this.#d.tickMs ?? 50);
    const left = this.#d.broker.pendingRelays();
    if (left.size > 0) this.#d.logger.warn('leaving with relays not confirmed by their new owners', { relays: Object.fromEntries(left) });
  }

  async #finish(): Promise<void> {
    const startedAt = this.#startedAt ?? this.#d.now();
    const remaining = startedAt + this.#d.timeoutMs - this.#d.now();
    // Drained only once nothing depends on this node: its relays ended after their route barriers
    // (#awaitRelays), every peer's bye came (what it sent here was taken), and what was relayed is
    // acknowledged where it went (so were the forwards it came with). SIGTERM may then end it at once.
    await this.#d.cluster()?.leave({
      waitForPeersMs: Math.max(200, Math.min(LEAVE_BUDGET_MS, remaining)), settled: () => this.#d.broker.unacknowledgedRelays() === 0,
    });
    this.#d.broker.endAllRelays();
    this.#finishedAt = this.#d.now();
    this.#state = 'drained';
    this.#d.metrics.drainDuration.observe((this.#finishedAt - startedAt) / 1000);
    this.#d.logger.info('drained', { ...this.status().sessions, ms: this.#finishedAt - startedAt });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
