// The steps that make the objects around the StatefulSet exist as the spec says: generated
// Secrets (created once), the ConfigMap (its hash goes on the pod template), both Services, the
// PodDisruptionBudget and, when asked for and served, the ServiceMonitor.
import { buildConfigMap, hashData } from '../../build/build-config-map.js';
import { buildDisruptionBudget } from '../../build/build-disruption-budget.js';
import { buildGeneratedSecrets } from '../../build/build-secrets.js';
import { buildServiceMonitor, SERVICE_MONITOR } from '../../build/build-service-monitor.js';
import { buildClientService, buildHeadlessService } from '../../build/build-services.js';
import type { DesiredObject } from '../ports.js';
import type { ReconcileContext, ReconcilerDeps, Step } from '../reconcile-context.js';

async function applyAndTell(ctx: ReconcileContext, deps: ReconcilerDeps, desired: DesiredObject): Promise<void> {
  const result = await deps.effects.apply(desired);
  if (result === 'unchanged') return;
  const what = `${desired.kind} ${desired.metadata.name}`;
  deps.logger.info(`${result} ${what}`, { cluster: ctx.cluster.metadata.name });
  await deps.effects.event(ctx.cluster, { type: 'Normal', reason: result === 'created' ? 'Created' : 'Updated', message: `${result} ${what}` });
}

export const generatedSecretsStep: Step = {
  name: 'secrets',
  async run(ctx, deps) {
    for (const secret of buildGeneratedSecrets(ctx.cluster, deps.random)) {
      // Never rewritten: a rotated cookie would split the running cluster.
      if (await deps.effects.createIfAbsent(secret) === 'created') {
        await deps.effects.event(ctx.cluster, { type: 'Normal', reason: 'SecretGenerated', message: `generated Secret ${secret.metadata.name}` });
      }
    }
  },
};

export const configStep: Step = {
  name: 'config',
  async run(ctx, deps) {
    const configMap = buildConfigMap(ctx.cluster, deps.clusterDomain);
    ctx.plan.configHash = hashData(configMap.data ?? {});
    await applyAndTell(ctx, deps, configMap);
  },
};

export const servicesStep: Step = {
  name: 'services',
  async run(ctx, deps) {
    await applyAndTell(ctx, deps, buildHeadlessService(ctx.cluster));
    await applyAndTell(ctx, deps, buildClientService(ctx.cluster));
  },
};

export const disruptionBudgetStep: Step = {
  name: 'disruption-budget',
  async run(ctx, deps) {
    const pdb = buildDisruptionBudget(ctx.cluster);
    // A PDB that was turned off is left to the owner reference when the cluster goes; while it
    // lives, a stale one is better removed by the user (say so) than guessed away.
    if (pdb !== undefined) await applyAndTell(ctx, deps, pdb);
  },
};

export const serviceMonitorStep: Step = {
  name: 'service-monitor',
  async run(ctx, deps) {
    const monitor = buildServiceMonitor(ctx.cluster);
    if (monitor === undefined) return;
    if (!deps.cache.servesKind(SERVICE_MONITOR.apiVersion, SERVICE_MONITOR.kind)) {
      ctx.plan.conditions.push({ type: 'Degraded', status: 'True', reason: 'ServiceMonitorUnavailable', message: 'spec.metrics.serviceMonitor.enabled, but the monitoring.coreos.com/v1 ServiceMonitor CRD is not installed or the operator runs with --service-monitors=false' });
      return;
    }
    await applyAndTell(ctx, deps, monitor);
  },
};
