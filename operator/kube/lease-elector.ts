// Leader election with a coordination.k8s.io/v1 Lease, as client-go's LeaderElector: try to take
// the lease every retry period; once held, renew it every retry period and give leadership up when
// no renewal succeeded within the renew deadline; release it on a graceful stop so that a standby
// takes over at once instead of waiting out the lease.
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { resourcePath, RESOURCES } from './api-resources.js';
import { isAlreadyExists, isConflict, isForbidden, isUnauthorized } from './kube-api-error.js';
import type { KubeApi } from './kube-api.js';
import { buildLeaseSpec, decideLease, observe, type LeaseObservation, type LeaseSpec } from './lease-decision.js';

interface Lease { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; resourceVersion?: string }; spec?: LeaseSpec }

export interface LeaseElectorOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  metrics: OperatorMetrics;
  onStartedLeading: () => void;
  /** Renewal failed for the whole renew deadline: leadership is gone (not called on a graceful stop). */
  onStoppedLeading: () => void;
  /** The API refuses us the Lease (401, 403): retrying cannot help. The loop has stopped. */
  onRefused?: (err: unknown) => void;
  now?: () => number;
}

export class LeaseElector {
  readonly #o: LeaseElectorOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  #state: 'idle' | 'standby' | 'leader' | 'stopped' = 'idle';
  #tick: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #observed: LeaseObservation | undefined;
  /** The lease as our last write returned it: a leader renews from it without reading first. */
  #mine: Lease | undefined;
  #attempt: Promise<void> | undefined;
  #lastHolder: string | undefined;

  constructor(options: LeaseElectorOptions) {
    if (!(options.renewDeadlineMs < options.leaseDurationMs)) throw new Error('the renew deadline must be shorter than the lease duration');
    if (!(options.retryPeriodMs < options.renewDeadlineMs)) throw new Error('the retry period must be shorter than the renew deadline');
    this.#o = options;
    this.#logger = options.logger.child({ component: 'elector', lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.#now = options.now ?? Date.now;
  }

  get isLeader(): boolean { return this.#state === 'leader'; }
  /** The loop runs (standby or leader). */
  get running(): boolean { return this.#state === 'standby' || this.#state === 'leader'; }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'standby';
    this.#logger.info('waiting for leadership');
    this.#schedule(0);
  }

  /** Stops the loop; with `release`, a leader hands the lease back (holder cleared, 1 s duration). */
  async stop({ release }: { release: boolean }): Promise<void> {
    const wasLeader = this.#state === 'leader';
    this.#state = 'stopped';
    clearTimeout(this.#tick);
    clearTimeout(this.#deadline);
    this.#o.metrics.leader.set(0);
    await this.#attempt;
    if (wasLeader && release) await this.#release();
  }

  #schedule(ms: number): void {
    clearTimeout(this.#tick);
    this.#tick = setTimeout(() => {
      this.#attempt = this.#tryAcquireOrRenew().finally(() => { this.#attempt = undefined; });
      void this.#attempt.then(() => {
        if (this.#state === 'standby') this.#schedule(this.#o.retryPeriodMs * (1 + Math.random() * 0.2));
        else if (this.#state === 'leader') this.#schedule(this.#o.retryPeriodMs);
      });
    }, ms);
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    const durationSeconds = Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000));
    try {
      const current = this.#state === 'leader' && this.#mine ? this.#mine : await api.get<Lease>(RESOURCES.lease, namespace, name);
      if (this.#isStopped()) return;
      const now = this.#now();
      if (current?.spec) this.#observed = observe(this.#observed, current.spec, now);
      this.#noteHolder(current?.spec?.holderIdentity ?? '');
      const action = decideLease(current?.spec, identity, this.#observed, now, this.#o.leaseDurationMs);
      if (action === 'wait') {
        if (this.#state === 'leader') this.#logger.warn('the lease names another holder');
        return;
      }
      const spec = buildLeaseSpec(action, current?.spec, identity, now, durationSeconds);
      const body = { apiVersion: RESOURCES.lease.apiVersion, kind: RESOURCES.lease.kind, metadata: { name, namespace, ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) }, spec };
      const timeoutMs = Math.max(500, Math.min(this.#o.renewDeadlineMs / 2, 5000));
      const written = action === 'create'
        ? await api.request<Lease>('POST', resourcePath(RESOURCES.lease, namespace), { body, timeoutMs })
        : await api.request<Lease>('PUT', resourcePath(RESOURCES.lease, namespace, name), { body, timeoutMs });
      if (this.#isStopped()) { this.#mine = written; return; }
      this.#mine = written;
      this.#observed = observe(undefined, written.spec ?? spec, now);
      this.#renewed();
    } catch (err) {
      this.#mine = undefined;
      // Another elector wrote first: read again next time.
      if (isConflict(err) || isAlreadyExists(err)) return;
      if ((isForbidden(err) || isUnauthorized(err)) && this.#o.onRefused) {
        const wasLeader = this.#state === 'leader';
        this.#state = 'stopped';
        clearTimeout(this.#tick);
        clearTimeout(this.#deadline);
        if (wasLeader) this.#o.metrics.leader.set(0);
        this.#o.onRefused(err);
        return;
      }
      this.#logger.warn(this.#state === 'leader' ? 'cannot renew the lease' : 'cannot read or take the lease', { err });
    }
  }

  // A method, not an inline comparison: the state changes across awaits.
  #isStopped(): boolean { return this.#state === 'stopped'; }

  #renewed(): void {
    if (this.#state === 'standby') {
      this.#state = 'leader';
      this.#o.metrics.leader.set(1);
      this.#logger.info('became the leader');
      this.#o.onStartedLeading();
    }
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => this.#lost(), this.#o.renewDeadlineMs);
  }

  #lost(): void {
    if (this.#state !== 'leader') return;
    this.#state = 'stopped';
    clearTimeout(this.#tick);
    this.#o.metrics.leader.set(0);
    this.#logger.error('lost leadership: no renewal of the lease succeeded within the renew deadline', { renewDeadlineMs: this.#o.renewDeadlineMs });
    this.#o.onStoppedLeading();
  }

  async #release(): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    try {
      const current = this.#mine ?? await api.get<Lease>(RESOURCES.lease, namespace, name);
      if (!current?.spec || current.spec.holderIdentity !== identity) return;
      const spec = buildLeaseSpec('release', current.spec, identity, this.#now(), 1);
      await api.request('PUT', resourcePath(RESOURCES.lease, namespace, name), {
        body: { apiVersion: RESOURCES.lease.apiVersion, kind: RESOURCES.lease.kind, metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion }, spec },
        timeoutMs: 5000,
      });
      this.#logger.info('released the lease');
    } catch (err) {
      this.#logger.warn('cannot release the lease: the standby takes over once it expires', { err });
    }
  }

  #noteHolder(holder: string): void {
    if (holder === this.#lastHolder) return;
    this.#lastHolder = holder;
    if (holder !== '' && holder !== this.#o.identity) this.#logger.info('the lease is held by another operator', { holder });
  }
}
