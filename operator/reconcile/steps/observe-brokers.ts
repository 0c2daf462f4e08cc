// Reads every running broker pod's cluster view (and its drain progress while it leaves) through
// the admin API, all pods at once, each bounded by the client's timeout. What could not be read
// is recorded as such: the decisions after this step never guess about a pod they cannot see.
import type { BrokerObservation } from '../broker-observation.js';
import type { PodFacts } from '../pod-facts.js';
import { requeueAfter, type ReconcileContext, type ReconcilerDeps, type Step } from '../reconcile-context.js';

/** Views change without any Kubernetes object changing: read them this often while pods run. */
export const VIEW_POLL_MS = 5000;

async function observe(pod: PodFacts, ctx: ReconcileContext, deps: ReconcilerDeps, withDrain: boolean): Promise<BrokerObservation> {
  if (pod.ip === undefined) return { pod, ok: false, error: 'no pod IP yet' };
  const target = { host: pod.ip, port: ctx.cluster.spec.listeners.http.port, token: ctx.token };
  try {
    const view = await deps.brokers.view(target);
    if (!withDrain) return { pod, ok: true, view };
    const drain = await deps.brokers.drainStatus(target);
    return { pod, ok: true, view, drain };
  } catch (err) {
    return { pod, ok: false, error: (err as Error).message };
  }
}

export const observeBrokersStep: Step = {
  name: 'observe-brokers',
  async run(ctx, deps) {
    const running = ctx.pods.filter((p) => p.phase === 'Running' && !p.terminating);
    const desired = ctx.cluster.spec.replicas;
    const results = await Promise.all(running.map((pod) => observe(pod, ctx, deps, pod.ordinal >= desired)));
    ctx.observations = new Map(results.map((o) => [o.pod.name, o]));
    if (running.length > 0) requeueAfter(ctx.plan, VIEW_POLL_MS);
  },
};
