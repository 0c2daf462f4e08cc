// The reconcile of one BrokerCluster as an ordered list of steps, each a pure decision plus one
// effect (emqx-operator's shape). Partition handling plugs in as further steps before the status.
import { InvalidSpecError, parseBrokerCluster, type BrokerCluster } from '../api/broker-cluster.js';
import { objectNames } from '../build/labels.js';
import { GENERATED_KEY } from '../build/build-broker-env.js';
import { mergeConditions } from './conditions.js';
import { readAllPodFacts } from './pod-facts.js';
import type { ClusterKey, Reconcile, ReconcileResult } from './ports.js';
import type { Plan, ReconcileContext, ReconcilerDeps, Step } from './reconcile-context.js';
import { configStep, disruptionBudgetStep, generatedSecretsStep, serviceMonitorStep, servicesStep } from './steps/apply-children.js';
import { statefulSetStep } from './steps/apply-statefulset.js';
import { autocleanStep } from './steps/autoclean.js';
import { createAutohealStep } from './steps/autoheal.js';
import { forgetRemovedStep } from './steps/forget-removed.js';
import { observeBrokersStep } from './steps/observe-brokers.js';
import { scaleDownStep } from './steps/scale-down.js';
import { statusStep } from './steps/write-status.js';

/** The steps in order; partition handling keeps its memory (seen splits, last heal) in the step. */
export function defaultSteps(): Step[] {
  return [
    generatedSecretsStep,
    configStep,
    servicesStep,
    disruptionBudgetStep,
    serviceMonitorStep,
    observeBrokersStep,
    scaleDownStep,
    statefulSetStep,
    forgetRemovedStep,
    autocleanStep,
    createAutohealStep(),
    statusStep,
  ];
}

export class StepError extends Error {
  constructor(readonly step: string, cause: unknown) {
    super(`step ${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StepError';
  }
}

/** The admin API token the brokers were given, read from its Secret in the cache. */
function readToken(cluster: BrokerCluster, deps: ReconcilerDeps): string | undefined {
  const ref = cluster.spec.auth.apiTokenSecret ?? { name: objectNames(cluster.metadata.name).apiTokenSecret, key: GENERATED_KEY.token };
  const secret = deps.cache.secret(cluster.metadata.namespace, ref.name);
  const fromData = secret?.data?.[ref.key];
  if (fromData !== undefined) return Buffer.from(fromData, 'base64').toString('utf8');
  return secret?.stringData?.[ref.key];
}

async function reportInvalid(raw: unknown, error: InvalidSpecError, deps: ReconcilerDeps): Promise<void> {
  // The spec cannot be parsed, but metadata and the stored status can: say why in both.
  const object = raw as { metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; labels?: Record<string, string> }; status?: BrokerCluster['status'] };
  const meta = object.metadata ?? {};
  const cluster = {
    metadata: { name: meta.name ?? '', namespace: meta.namespace ?? '', uid: meta.uid ?? '', generation: meta.generation ?? 0, resourceVersion: meta.resourceVersion ?? '', labels: meta.labels ?? {} },
    spec: undefined as never,
    status: object.status ?? {},
  } satisfies BrokerCluster;
  const message = error.issues.join('; ');
  const previous = cluster.status.conditions?.find((c) => c.type === 'Ready');
  const conditions = mergeConditions(cluster.status.conditions, [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message }], new Date(deps.now()), cluster.metadata.generation);
  if (previous?.reason !== 'InvalidSpec' || previous.message !== message) {
    await deps.effects.event(cluster, { type: 'Warning', reason: 'InvalidSpec', message });
  }
  await deps.effects.writeStatus(cluster, { ...cluster.status, phase: 'Failed', observedGeneration: cluster.metadata.generation, conditions });
}

export function createReconciler(deps: ReconcilerDeps, steps: readonly Step[] = defaultSteps()): Reconcile {
  return async (key: ClusterKey): Promise<ReconcileResult> => {
    const raw = deps.cache.brokerCluster(key);
    if (raw === undefined) return {};
    let cluster: BrokerCluster;
    try {
      cluster = parseBrokerCluster(raw);
    } catch (err) {
      if (!(err instanceof InvalidSpecError)) throw err;
      await reportInvalid(raw, err, deps);
      return {};
    }
    // Being deleted: the garbage collector removes what the owner references tie to it.
    if (cluster.metadata.deletionTimestamp !== undefined) return {};
    const owned = deps.cache.owned(key, cluster.metadata.uid);
    const plan: Plan = { replicas: cluster.spec.replicas, partition: 0, configHash: '', progress: undefined, conditions: [], statusFields: {}, requeueAfterMs: undefined };
    const ctx: ReconcileContext = {
      cluster, owned, plan,
      pods: readAllPodFacts(cluster.metadata.name, owned.pods),
      observations: new Map(),
      token: readToken(cluster, deps),
    };
    // Events wait until the writes that matter are done: recording one costs a round trip.
    const pending: Array<Parameters<ReconcilerDeps['effects']['event']>> = [];
    const { effects } = deps;
    const stepDeps: ReconcilerDeps = {
      ...deps,
      effects: {
        apply: (desired) => effects.apply(desired),
        createIfAbsent: (desired) => effects.createIfAbsent(desired),
        deletePod: (namespace, name, uid) => effects.deletePod(namespace, name, uid),
        writeStatus: (c, status) => effects.writeStatus(c, status),
        event: async (...args) => { pending.push(args); },
      },
    };
    const flush = async (): Promise<void> => {
      for (const args of pending.splice(0)) await effects.event(...args).catch((err: unknown) => deps.logger.warn('event not recorded', { err: (err as Error).message }));
    };
    for (const step of steps) {
      try {
        await step.run(ctx, stepDeps);
      } catch (err) {
        const error = new StepError(step.name, err);
        pending.push([cluster, { type: 'Warning', reason: 'ReconcileFailed', message: error.message }]);
        await flush();
        throw error;
      }
    }
    await flush();
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  };
}
