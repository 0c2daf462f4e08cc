// A node's majority over time: holds the operator's serving grant and the peers that departed,
// evaluates decideMajority on every heartbeat tick (and whenever asked: /readyz), and on each
// change of state logs one line, counts it and tells its listeners (the pause of pauseMinority).
import type { ServingGrantRequest, ServingGrantResult } from '../contract/serving-api.js';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { decideMajority, describeNoMajority, type MajorityDecision, type MemberTarget, type ServingGrant } from './majority.js';

export interface MajorityWatchDeps {
  readonly self: string;
  readonly targets: () => readonly MemberTarget[];
  readonly up: () => ReadonlySet<string>;
  /**
   * Changes are announced once the node has joined: before, readiness says not_joined and peers are
   * still being dialed, so "no majority" would be noise at every start.
   */
  readonly joined: () => boolean;
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly intervalMs: number;
}

export type MajorityListener = (decision: MajorityDecision) => void;

export class MajorityWatch {
  readonly #d: MajorityWatchDeps;
  readonly #departed = new Set<string>();
  readonly #listeners: MajorityListener[] = [];
  readonly #timer: NodeJS.Timeout;
  #grant: ServingGrant | undefined;
  /** The last state announced; undefined until the node joined. */
  #announced: MajorityDecision['basis'] | undefined;
  #closed = false;

  constructor(deps: MajorityWatchDeps) {
    this.#d = deps;
    this.#timer = setInterval(() => this.current(), deps.intervalMs);
    this.#timer.unref();
    const m = deps.metrics;
    m.gauge('meshmq_cluster_members', 'Cluster members as discovery lists them, this node included (the majority is counted out of these)', () => this.current().members);
    m.gauge('meshmq_cluster_members_reached', 'Cluster members this node reaches, itself included', () => this.current().reached);
    m.gauge('meshmq_cluster_majority', '1 while this node reaches a majority of the cluster members', () => (this.current().basis === 'majority' ? 1 : 0));
    m.gauge('meshmq_cluster_serving_grant', '1 while the operator\'s serving grant lets this node serve without a majority', () => (this.current().basis === 'grant' ? 1 : 0));
  }

  /** The decision now; announces a change of state. */
  current(): MajorityDecision {
    const now = this.#d.now();
    const decision = decideMajority({
      self: this.#d.self, targets: this.#d.targets(), up: this.#d.up(), departed: this.#departed, grant: this.#grant, now,
    });
    if (!this.#closed && decision.basis !== this.#announced && this.#d.joined()) this.#announce(decision, now);
    return decision;
  }

  /** A peer left gracefully or was forgotten: not a member until it is up again. */
  departed(name: string): void { this.#departed.add(name); }
  /** A peer is up (again). */
  returned(name: string): void { this.#departed.delete(name); }

  /** Takes the operator's grant (it replaces any earlier one) and says what it does here. */
  grant(request: ServingGrantRequest): ServingGrantResult {
    const now = this.#d.now();
    const previous = this.#grant;
    this.#grant = { nodes: [...request.nodes], expiresAt: now + request.ttlMs };
    const decision = this.current();
    const g = decision.grant;
    const renewed = previous !== undefined && now < previous.expiresAt && sameNodes(previous.nodes, request.nodes);
    // The operator renews every few seconds: a renewal is not news.
    if (!renewed) {
      this.#d.logger.info('serving grant received', { nodes: request.nodes, ttlMs: request.ttlMs, listed: g?.listed ?? false, unreached: g?.unreached ?? [] });
    }
    return {
      node: this.#d.self, listed: g?.listed ?? false, expiresAt: now + request.ttlMs, unreached: [...(g?.unreached ?? [])],
      serving: decision.serving, clustered: true,
    };
  }

  /** Told the new decision at each change of state (after the node joined). */
  onChange(listener: MajorityListener): void { this.#listeners.push(listener); }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  #announce(decision: MajorityDecision, now: number): void {
    const previous = this.#announced;
    this.#announced = decision.basis;
    const fields = { reached: decision.reached, members: decision.members, unreached: decision.unreached.slice(0, 20) };
    if (decision.basis === 'none') {
      this.#d.metrics.majorityLost.inc();
      this.#d.logger.warn(`no majority: ${describeNoMajority(decision, now)}; not ready`, fields);
    } else if (decision.basis === 'grant') {
      this.#d.logger.warn('no majority, serving by the operator\'s serving grant', { ...fields, grantNodes: this.#grant?.nodes ?? [], expiresAt: decision.grant?.expiresAt });
    } else if (previous !== undefined) {
      this.#d.logger.info('majority reached again', fields);
    } else {
      this.#d.logger.info('majority of the cluster reached', fields);
    }
    for (const listener of this.#listeners) {
      try {
        listener(decision);
      } catch (err) {
        this.#d.logger.error('a majority listener failed', { err });
      }
    }
  }
}

function sameNodes(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((n) => set.has(n));
}
