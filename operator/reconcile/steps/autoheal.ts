// The autoheal step: the decision of decide-autoheal.ts carried out. It deletes the pods of every
// side but the serving one (the StatefulSet recreates them and they rejoin through DNS), tells a
// serving side without a majority that it serves, and tells the story in Events, the Partitioned
// condition and status.lastPartition. What it has seen lives in memory between reconciles.
import { effectivePartitionMode } from '../../api/broker-cluster-spec.js';
import type { BrokerClusterStatus } from '../../api/broker-cluster-status.js';
import { parseDuration } from '../../api/duration.js';
import { decideAutoheal, type AutohealHistory } from '../decide-autoheal.js';
import { requeueAfter, type ReconcileContext, type ReconcilerDeps, type Step } from '../reconcile-context.js';

/** How often views are read while a split is suspected or being healed. */
export const PARTITION_POLL_MS = 2000;
/** A serving grant outlives a few polls, so a slow reconcile does not drop it. */
export const SERVING_GRANT_TTL_MS = 30_000;

type PartitionRecord = NonNullable<BrokerClusterStatus['lastPartition']>;
const iso = (ms: number): string => new Date(ms).toISOString();
const describeGroups = (groups: readonly string[][]): string => groups.map((g) => g.join(',')).join(' | ');

/** After an operator restart, the last heal in the status still counts for the backoff. */
function historyFromStatus(status: BrokerClusterStatus): AutohealHistory {
  const last = status.lastPartition;
  if (last?.action !== 'deleted' || last.confirmedAt === undefined || last.healedAt !== undefined) return {};
  return { lastHeal: { at: Date.parse(last.confirmedAt), deleted: last.deleted, attempt: 1 } };
}

async function grant(ctx: ReconcileContext, deps: ReconcilerDeps, serving: readonly string[]): Promise<void> {
  const nodes = serving.map((pod) => { const o = ctx.observations.get(pod); return o?.ok === true ? o.view.node : undefined; }).filter((n): n is string => n !== undefined);
  for (const pod of serving) {
    const facts = ctx.pods.find((p) => p.name === pod);
    if (facts?.ip === undefined) continue;
    try {
      await deps.brokers.grantServing({ host: facts.ip, port: ctx.cluster.spec.listeners.http.port, token: ctx.token }, nodes, SERVING_GRANT_TTL_MS);
    } catch (err) {
      deps.logger.warn('serving grant failed', { pod, err: (err as Error).message });
    }
  }
}

export function createAutohealStep(memory = new Map<string, AutohealHistory>()): Step {
  return {
    name: 'autoheal',
    async run(ctx, deps) {
      const { cluster, plan } = ctx;
      const now = deps.now();
      const uid = cluster.metadata.uid;
      const previous = cluster.status.lastPartition;
      const decision = decideAutoheal({
        mode: effectivePartitionMode(cluster.spec),
        delayMs: parseDuration(cluster.spec.cluster.autohealDelay),
        pods: ctx.pods,
        observations: ctx.observations,
        leaving: new Set(ctx.pods.filter((p) => p.ordinal >= cluster.spec.replicas).map((p) => p.name)),
        history: memory.get(uid) ?? historyFromStatus(cluster.status),
        now,
      });
      memory.set(uid, decision.history);
      const record = (fields: Omit<PartitionRecord, 'detectedAt' | 'kept' | 'deleted' | 'message'> & Partial<PartitionRecord>, detectedAt: number): void => {
        plan.statusFields.lastPartition = {
          detectedAt: iso(detectedAt), kept: [], deleted: [], message: '',
          // The same split keeps what was recorded about it (the pods deleted, when it was confirmed).
          ...(previous?.detectedAt === iso(detectedAt) ? { kept: previous.kept, deleted: previous.deleted, ...(previous.confirmedAt ? { confirmedAt: previous.confirmedAt } : {}) } : {}),
          ...fields,
        };
      };
      switch (decision.kind) {
        case 'whole': {
          plan.conditions.push({ type: 'Partitioned', status: 'False', reason: 'NoPartition', message: 'every broker reaches every other' });
          if (previous !== undefined && previous.healedAt === undefined && ctx.observations.size > 0) {
            plan.statusFields.lastPartition = { ...previous, healedAt: iso(now) };
            await deps.effects.event(cluster, { type: 'Normal', reason: 'PartitionHealed', message: `every broker reaches every other again (split ${describeGroups(previous.groups)})` });
          }
          return;
        }
        case 'incomplete':
          plan.conditions.push({ type: 'Partitioned', status: 'Unknown', reason: 'ViewsIncomplete', message: `cannot read the cluster view of ${decision.unreadable.join(', ')}; not acting on a guess` });
          requeueAfter(plan, PARTITION_POLL_MS);
          return;
        case 'suspected': {
          const inSeconds = Math.ceil((decision.confirmAt - now) / 1000);
          if (decision.persistsAfterHeal && previous?.action === 'deleted' && previous.healedAt === undefined) {
            // The pods just deleted are back but still cut off: the heal's record and Event stand;
            // this is the wait for them to rejoin, not a new split.
            plan.conditions.push({ type: 'Partitioned', status: 'True', reason: 'PartitionSuspected', message: `split ${describeGroups(decision.groups)} persists after deleting ${previous.deleted.join(',')}; waiting for them to rejoin (checked again in ${inSeconds}s)` });
            requeueAfter(plan, Math.min(PARTITION_POLL_MS, Math.max(100, decision.confirmAt - now)));
            return;
          }
          plan.conditions.push({ type: 'Partitioned', status: 'True', reason: 'PartitionSuspected', message: `split ${describeGroups(decision.groups)}; autoheal acts in ${inSeconds}s if it lasts` });
          record({ groups: decision.groups.map((g) => [...g]), action: 'waiting', message: 'waiting for the autoheal delay' }, decision.detectedAt);
          if (previous?.detectedAt !== iso(decision.detectedAt)) {
            await deps.effects.event(cluster, { type: 'Warning', reason: 'PartitionDetected', message: `brokers split into ${describeGroups(decision.groups)}` });
          }
          requeueAfter(plan, Math.min(PARTITION_POLL_MS, Math.max(100, decision.confirmAt - now)));
          return;
        }
        case 'report': {
          const mode = effectivePartitionMode(cluster.spec);
          const action = mode === 'pauseMinority' ? 'paused' : 'ignored';
          plan.conditions.push({ type: 'Partitioned', status: 'True', reason: mode === 'pauseMinority' ? 'MinorityPaused' : 'PartitionIgnored', message: `split ${describeGroups(decision.groups)} (partitionMode ${mode})` });
          record({ groups: decision.groups.map((g) => [...g]), action, kept: [...decision.serving], message: `partitionMode ${mode}: the operator deletes nothing` }, decision.detectedAt);
          if (previous?.detectedAt !== iso(decision.detectedAt)) {
            await deps.effects.event(cluster, { type: 'Warning', reason: 'PartitionDetected', message: `brokers split into ${describeGroups(decision.groups)}; partitionMode ${mode}: not deleting` });
          }
          requeueAfter(plan, PARTITION_POLL_MS);
          return;
        }
        case 'backoff':
          plan.conditions.push({ type: 'Partitioned', status: 'True', reason: 'HealBackoff', message: `split ${describeGroups(decision.groups)} outlived its heal; next attempt at ${iso(decision.until)}` });
          record({ groups: decision.groups.map((g) => [...g]), action: 'backoff', kept: [...decision.serving], message: `the split came back after a heal; waiting until ${iso(decision.until)}` }, decision.detectedAt);
          if (previous?.action !== 'backoff') {
            await deps.effects.event(cluster, { type: 'Warning', reason: 'AutohealBackoff', message: `split ${describeGroups(decision.groups)} persists after deleting its minority; waiting until ${iso(decision.until)}` });
          }
          requeueAfter(plan, PARTITION_POLL_MS);
          return;
        case 'heal': {
          if (decision.grant) await grant(ctx, deps, decision.serving);
          const deleted: string[] = [];
          for (const podName of decision.delete) {
            const pod = ctx.pods.find((p) => p.name === podName);
            if (pod === undefined) continue;
            if (await deps.effects.deletePod(cluster.metadata.namespace, pod.name, pod.uid) === 'deleted') deleted.push(pod.name);
          }
          const message = `kept ${decision.serving.join(',')}; deleted ${deleted.join(',') || 'nothing'} (they restart and rejoin)`;
          plan.conditions.push({ type: 'Partitioned', status: 'True', reason: 'AutohealDeleted', message: `split ${describeGroups(decision.groups)}: ${message}` });
          plan.statusFields.lastPartition = {
            detectedAt: iso(decision.detectedAt), confirmedAt: iso(now), groups: decision.groups.map((g) => [...g]),
            kept: [...decision.serving], deleted, action: 'deleted',
            message: decision.grant ? `${message}; no side had a majority: the side with the oldest node serves` : message,
          };
          await deps.effects.event(cluster, { type: 'Warning', reason: 'AutohealDeleted', message: `split ${describeGroups(decision.groups)}: ${message}` });
          requeueAfter(plan, PARTITION_POLL_MS);
        }
      }
    },
  };
}
