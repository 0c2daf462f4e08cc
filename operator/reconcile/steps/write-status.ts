// The last step: the status from everything observed and decided, written only when it changed.
import { buildStatus } from '../build-status.js';
import { selectorLabels } from '../../build/labels.js';
import type { Step } from '../reconcile-context.js';

export function selectorString(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

export const statusStep: Step = {
  name: 'status',
  async run(ctx, deps) {
    const status = buildStatus({
      cluster: ctx.cluster,
      statefulSet: ctx.owned.statefulSet,
      pods: ctx.pods,
      observations: ctx.observations,
      selector: selectorString(selectorLabels(ctx.cluster.metadata.name)),
      progress: ctx.plan.progress,
      extraConditions: ctx.plan.conditions,
      extraFields: ctx.plan.statusFields,
      now: new Date(deps.now()),
    });
    await deps.effects.writeStatus(ctx.cluster, status);
  },
};
