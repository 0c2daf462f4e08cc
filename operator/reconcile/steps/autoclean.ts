// The autoclean step: nodes no live pod has seen up for spec.cluster.autoclean are forgotten on
// every broker that lists them; the status keeps the last ones removed and an Event says so.
import { parseDuration } from '../../api/duration.js';
import { decideAutoclean } from '../decide-autoclean.js';
import type { Step } from '../reconcile-context.js';

const KEEP_RECORDS = 20;

export const autocleanStep: Step = {
  name: 'autoclean',
  async run(ctx, deps) {
    const actions = decideAutoclean({ observations: ctx.observations, autocleanMs: parseDuration(ctx.cluster.spec.cluster.autoclean), now: deps.now() });
    const records = [...(ctx.cluster.status.autocleaned ?? [])];
    for (const action of actions) {
      let forgottenEverywhere = true;
      for (const podName of action.pods) {
        const pod = ctx.pods.find((p) => p.name === podName);
        if (pod?.ip === undefined) { forgottenEverywhere = false; continue; }
        try {
          await deps.brokers.forget({ host: pod.ip, port: ctx.cluster.spec.listeners.http.port, token: ctx.token }, action.node);
        } catch (err) {
          forgottenEverywhere = false;
          deps.logger.warn('autoclean: forget failed', { pod: podName, node: action.node, err: (err as Error).message });
        }
      }
      if (!forgottenEverywhere) continue;
      const lastSeenUp = new Date(action.lastSeenUp).toISOString();
      records.push({ node: action.node, lastSeenUp, removedAt: new Date(deps.now()).toISOString() });
      await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'Autoclean', message: `forgot ${action.node} on ${action.pods.join(', ')}: not seen up since ${lastSeenUp} (autoclean ${ctx.cluster.spec.cluster.autoclean})` });
    }
    if (records.length !== (ctx.cluster.status.autocleaned ?? []).length) ctx.plan.statusFields.autocleaned = records.slice(-KEEP_RECORDS);
  },
};
