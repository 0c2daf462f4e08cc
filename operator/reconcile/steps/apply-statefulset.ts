// The StatefulSet step: the rollout decision (which ordinals may take the new template) and the
// apply of the StatefulSet with the replicas the scale-down step chose and that partition.
import { createHash } from 'node:crypto';
import { buildStatefulSet } from '../../build/build-statefulset.js';
import { ANNOTATION } from '../../build/labels.js';
import { decideRollout } from '../decide-rollout.js';
import { requeueAfter, type Step } from '../reconcile-context.js';

/** How often to look at a rollout in progress. */
export const ROLLOUT_POLL_MS = 1000;

export function hashTemplate(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16);
}

export const statefulSetStep: Step = {
  name: 'statefulset',
  async run(ctx, deps) {
    const live = ctx.owned.statefulSet;
    const draft = buildStatefulSet(ctx.cluster, { replicas: ctx.plan.replicas, partition: 0, configHash: ctx.plan.configHash, clusterDomain: deps.clusterDomain });
    const templateHash = hashTemplate(draft.spec?.template);
    const decision = decideRollout({
      replicas: ctx.plan.replicas,
      live: live === undefined ? undefined : {
        partition: live.spec?.updateStrategy?.rollingUpdate?.partition ?? 0,
        updateRevision: live.status?.updateRevision,
        templateChanged: live.metadata?.annotations?.[ANNOTATION.templateHash] !== templateHash,
      },
      pods: ctx.pods,
      observations: ctx.observations,
    });
    ctx.plan.partition = decision.partition;
    const desired = buildStatefulSet(ctx.cluster, { replicas: ctx.plan.replicas, partition: decision.partition, configHash: ctx.plan.configHash, clusterDomain: deps.clusterDomain });
    desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}), [ANNOTATION.templateHash]: templateHash };
    const result = await deps.effects.apply(desired);
    if (result === 'created') {
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'Created', message: `created StatefulSet ${desired.metadata.name} with ${ctx.plan.replicas} brokers` });
    }
    if (decision.kind === 'start') {
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'RollingUpdate', message: 'new pod template: replacing the brokers one at a time, highest ordinal first' });
    } else if (decision.kind === 'advance') {
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'RollingUpdate', message: `replacing ${decision.pod} (partition ${decision.partition})` });
    }
    if (decision.kind !== 'none') {
      ctx.plan.progress ??= { phase: 'Updating', reason: 'RollingUpdate', message: decision.kind === 'wait' ? `rolling update: waiting (${decision.reason})` : `rolling update: partition ${decision.partition}` };
      requeueAfter(ctx.plan, ROLLOUT_POLL_MS);
    } else if (live !== undefined && live.status?.updateRevision !== undefined && live.status.currentRevision !== live.status.updateRevision) {
      // Partition 0 reached: the StatefulSet controller replaces the last pod itself.
      ctx.plan.progress ??= { phase: 'Updating', reason: 'RollingUpdate', message: 'rolling update: last pod' };
      requeueAfter(ctx.plan, ROLLOUT_POLL_MS);
    }
  },
};
