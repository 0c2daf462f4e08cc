// Scale-down as the decision says: start the drains of the leaving pods (all at once, each told
// which nodes are leaving so no session moves twice), wait for them, then lower the StatefulSet.
import { decideScaleDown } from '../decide-scale-down.js';
import { requeueAfter, type Step } from '../reconcile-context.js';

/** How often to look at drains in progress. */
export const DRAIN_POLL_MS = 1000;

export const scaleDownStep: Step = {
  name: 'scale-down',
  async run(ctx, deps) {
    const decision = decideScaleDown({
      desiredReplicas: ctx.cluster.spec.replicas,
      currentReplicas: ctx.owned.statefulSet?.spec?.replicas,
      pods: ctx.pods,
      observations: ctx.observations,
    });
    ctx.plan.replicas = decision.replicas;
    const current = ctx.owned.statefulSet?.spec?.replicas;
    if (decision.kind === 'steady') {
      if (current !== undefined && decision.replicas > current) {
        ctx.plan.progress = { phase: 'Scaling', reason: 'ScalingUp', message: `scaling up from ${current} to ${decision.replicas}` };
        await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'ScalingUp', message: `scaling up from ${current} to ${decision.replicas} brokers` });
      }
      return;
    }
    ctx.plan.progress = { phase: 'Scaling', reason: 'ScalingDown', message: `scaling down to ${ctx.cluster.spec.replicas}: ${decision.kind}` };
    if (decision.kind === 'drain') {
      for (const podName of decision.pods) {
        const pod = ctx.pods.find((p) => p.name === podName);
        if (pod?.ip === undefined) continue;
        try {
          await deps.brokers.drain({ host: pod.ip, port: ctx.cluster.spec.listeners.http.port, token: ctx.token }, decision.exclude);
          await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'DrainStarted', message: `draining ${podName}: its sessions move to the brokers that stay` });
        } catch (err) {
          await deps.effects.event(ctx.cluster, { type: 'Warning', reason: 'DrainFailed', message: `cannot start the drain of ${podName}: ${(err as Error).message}` });
        }
      }
      requeueAfter(ctx.plan, DRAIN_POLL_MS);
    } else if (decision.kind === 'wait') {
      ctx.plan.progress = { phase: 'Scaling', reason: 'ScalingDown', message: `waiting for ${decision.draining.join(', ')} to hand over their sessions` };
      requeueAfter(ctx.plan, DRAIN_POLL_MS);
    } else {
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'ScalingDown', message: `drained; scaling down from ${decision.from} to ${decision.replicas} brokers` });
      requeueAfter(ctx.plan, DRAIN_POLL_MS);
    }
  },
};
