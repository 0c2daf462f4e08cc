// After a scale-down, the nodes whose pods are gone are forgotten on every broker that still
// lists them, at once, so no view keeps a dead node until autoclean.
import { decideForgetRemoved } from '../decide-forget.js';
import type { Step } from '../reconcile-context.js';

export const forgetRemovedStep: Step = {
  name: 'forget-removed',
  async run(ctx, deps) {
    const actions = decideForgetRemoved(ctx.cluster.metadata.name, ctx.plan.replicas, ctx.pods, ctx.observations);
    const forgotten = new Set<string>();
    for (const { pod, node } of actions) {
      const facts = ctx.pods.find((p) => p.name === pod);
      if (facts?.ip === undefined) continue;
      try {
        await deps.brokers.forget({ host: facts.ip, port: ctx.cluster.spec.listeners.http.port, token: ctx.token }, node);
        forgotten.add(node);
      } catch (err) {
        deps.logger.warn('forget failed', { pod, node, err: (err as Error).message });
      }
    }
    for (const node of forgotten) {
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'NodeForgotten', message: `forgot ${node} (removed by the scale-down) on every broker` });
    }
  },
};
