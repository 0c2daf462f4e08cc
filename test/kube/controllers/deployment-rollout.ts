// One sync of a Deployment as a pure plan, after kube-controller-manager's deployment controller
// (sync.go, rolling.go, recreate.go): find or create the new ReplicaSet, scale it up within
// maxSurge and the old ones down within maxUnavailable (or all old ones to zero first for
// Recreate), scale proportionally when only the replica count changed, trim the history.
import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { buildNewReplicaSet, byCreation, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, maxRevision, revisionOf, setNewReplicaSetAnnotations, setReplicasAnnotations, splitReplicaSets } from './deployment-replica-sets.js';
import { isFinished } from './pod-health.js';

export type RolloutAction =
  | { type: 'create'; rs: V1ReplicaSet }
  /** `rs` is the ReplicaSet as it should be written (spec and annotations); `from`/`to` when its size changed. */
  | { type: 'update'; rs: V1ReplicaSet; from?: number; to?: number }
  | { type: 'delete'; name: string };

export interface RolloutPlan {
  actions: RolloutAction[];
  /** The new ReplicaSet after the actions (undefined when none exists nor is created). */
  newRS: V1ReplicaSet | undefined;
  /** Every ReplicaSet after the actions, the new one included. */
  allRSs: V1ReplicaSet[];
  /** The Deployment's revision annotation when it must change. */
  revision: string | undefined;
  /** True when a new ReplicaSet is created in this sync (the Progressing condition says so). */
  createdNewRS: boolean;
  /** `scale`: paused or only resized, the status is recomputed [syncDeploymentStatus]; `rollout`: Progressing too [syncRolloutStatus]. */
  kind: 'scale' | 'rollout';
}

/** An int-or-percent of `total` [intstr.GetScaledValueFromIntOrPercent]. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const replicasOf = (d: V1Deployment): number => d.spec?.replicas ?? 1;
const isRolling = (d: V1Deployment): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
const specReplicas = (rs: V1ReplicaSet): number => rs.spec?.replicas ?? 0;
const sum = (sets: readonly V1ReplicaSet[], f: (rs: V1ReplicaSet) => number): number => sets.reduce((n, rs) => n + f(rs), 0);
const active = (sets: readonly V1ReplicaSet[]): V1ReplicaSet[] => sets.filter((rs) => specReplicas(rs) > 0);

/** maxSurge and maxUnavailable in pods; both zero would stall, so unavailable becomes 1 [ResolveFenceposts]. */
export function resolveFenceposts(d: V1Deployment): { maxSurge: number; maxUnavailable: number } {
  if (!isRolling(d)) return { maxSurge: 0, maxUnavailable: 0 };
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const maxSurge = scaledValue(ru?.maxSurge ?? '25%', desired, true);
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? '25%', desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}

export function maxSurgeOf(d: V1Deployment): number { return resolveFenceposts(d).maxSurge; }
/** [MaxUnavailable]: 0 for Recreate or no replicas. */
export function maxUnavailableOf(d: V1Deployment): number { return replicasOf(d) === 0 ? 0 : resolveFenceposts(d).maxUnavailable; }

/** Replicas the new ReplicaSet may have now [NewRSNewReplicas]. */
export function newReplicaSetReplicas(d: V1Deployment, allRSs: readonly V1ReplicaSet[], newRS: V1ReplicaSet): number {
  if (!isRolling(d)) return replicasOf(d);
  const maxTotal = replicasOf(d) + maxSurgeOf(d);
  const current = sum(allRSs, specReplicas);
  if (current >= maxTotal) return specReplicas(newRS);
  return specReplicas(newRS) + Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
}

class Planner {
  readonly actions: RolloutAction[] = [];
  readonly d: V1Deployment;
  newRS: V1ReplicaSet | undefined;
  oldRSs: V1ReplicaSet[];
  revision: string | undefined;
  createdNewRS = false;

  constructor(d: V1Deployment, sets: readonly V1ReplicaSet[]) {
    this.d = d;
    const split = splitReplicaSets(d, sets.map((rs) => structuredClone(rs)));
    this.newRS = split.newRS;
    this.oldRSs = split.oldRSs;
  }

  get allRSs(): V1ReplicaSet[] { return [...this.oldRSs, ...(this.newRS ? [this.newRS] : [])]; }

  #record(rs: V1ReplicaSet, from?: number, to?: number): void {
    const i = this.actions.findIndex((a) => a.type === 'update' && a.rs.metadata?.name === rs.metadata?.name);
    const previous = i >= 0 ? this.actions[i] : undefined;
    const prevFrom = previous?.type === 'update' ? previous.from : undefined;
    const action: RolloutAction = { type: 'update', rs, ...(from === undefined && prevFrom === undefined ? {} : { from: prevFrom ?? from ?? 0, to: to ?? specReplicas(rs) }) };
    if (i >= 0) this.actions[i] = action; else this.actions.push(action);
  }

  /** [getAllReplicaSetsAndSyncRevision]: the new ReplicaSet's annotations and minReadySeconds, or a new one. */
  syncRevision(create: boolean): void {
    const revision = maxRevision(this.oldRSs) + 1;
    const maxSurge = maxSurgeOf(this.d);
    if (this.newRS) {
      const changed = setNewReplicaSetAnnotations(this.d, this.newRS, revision, true, maxSurge);
      const minReady = this.d.spec?.minReadySeconds ?? 0;
      if (changed || (this.newRS.spec?.minReadySeconds ?? 0) !== minReady) {
        if (this.newRS.spec) this.newRS.spec.minReadySeconds = minReady;
        this.#record(this.newRS);
      }
      this.#setRevision(String(revisionOf(this.newRS)));
      return;
    }
    if (!create) return;
    const rs = buildNewReplicaSet(this.d, 0, revision, maxSurge);
    if (rs.spec) rs.spec.replicas = newReplicaSetReplicas(this.d, [...this.oldRSs, rs], rs);
    this.newRS = rs;
    this.createdNewRS = true;
    this.actions.push({ type: 'create', rs });
    this.#setRevision(String(revision));
  }

  #setRevision(revision: string): void {
    if (this.d.metadata?.annotations?.['deployment.kubernetes.io/revision'] !== revision) this.revision = revision;
  }

  /** [scaleReplicaSet]: the size and the desired/max annotations; an action when either changed. True when the size did. */
  scaleWithAnnotations(rs: V1ReplicaSet, replicas: number): boolean {
    const from = specReplicas(rs);
    const annotated = setReplicasAnnotations(rs, replicasOf(this.d), replicasOf(this.d) + maxSurgeOf(this.d));
    if (from === replicas && !annotated) return false;
    if (rs.spec) rs.spec.replicas = replicas;
    if (from !== replicas) this.#record(rs, from, replicas); else this.#record(rs);
    return from !== replicas;
  }

  /** [scaleReplicaSetAndRecordEvent]: nothing when the size is already right. */
  scale(rs: V1ReplicaSet, replicas: number): boolean {
    return specReplicas(rs) === replicas ? false : this.scaleWithAnnotations(rs, replicas);
  }

  /** [isScalingEvent]: an active ReplicaSet was sized for another replica count. */
  isScalingEvent(): boolean {
    return active(this.allRSs).some((rs) => rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== String(replicasOf(this.d)));
  }

  /** [scale]: only the replica count changed, so every active ReplicaSet grows or shrinks in proportion. */
  scaleProportionally(): void {
    const d = this.d;
    const all = this.allRSs;
    const actives = active(all);
    const only = actives.length === 0 ? (this.newRS ?? [...this.oldRSs].sort(byCreation).at(-1)) : actives.length === 1 ? actives[0] : undefined;
    if (only) { this.scale(only, replicasOf(d)); return; }
    if (this.newRS && isSaturated(d, this.newRS)) {
      for (const rs of active(this.oldRSs)) this.scale(rs, 0);
      return;
    }
    if (!isRolling(d)) return;
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurgeOf(d) : 0;
    const toAdd = allowed - sum(actives, specReplicas);
    // Up: the largest (newest on ties) first; down: the largest (oldest on ties) first [ReplicaSetsBySizeNewer/Older].
    const sorted = [...actives].sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
    let added = 0;
    const sizes = new Map<V1ReplicaSet, number>();
    for (const rs of sorted) {
      const proportion = toAdd === 0 ? 0 : proportionOf(rs, d, toAdd, added);
      sizes.set(rs, specReplicas(rs) + proportion);
      added += proportion;
    }
    sorted.forEach((rs, i) => {
      let size = sizes.get(rs) ?? 0;
      // The leftover of rounding goes to the largest.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleWithAnnotations(rs, size);
    });
  }

  /** [reconcileNewReplicaSet]: true when the new ReplicaSet changed size. */
  reconcileNew(): boolean {
    const newRS = this.newRS;
    if (!newRS) return false;
    const desired = replicasOf(this.d);
    if (specReplicas(newRS) === desired) return false;
    if (specReplicas(newRS) > desired) return this.scale(newRS, desired);
    return this.scale(newRS, newReplicaSetReplicas(this.d, this.allRSs, newRS));
  }

  /** [reconcileOldReplicaSets]: unhealthy old pods go first, then old ones within maxUnavailable. */
  reconcileOld(): boolean {
    const newRS = this.newRS;
    const oldActive = active(this.oldRSs);
    if (!newRS || sum(oldActive, specReplicas) === 0) return false;
    const minAvailable = replicasOf(this.d) - maxUnavailableOf(this.d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sum(this.allRSs, specReplicas) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned = 0;
    for (const rs of [...oldActive].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scale(rs, specReplicas(rs) - n);
      cleaned += n;
    }
    const available = sum(this.allRSs, (rs) => rs.status?.availableReplicas ?? 0);
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...active(this.oldRSs)].sort(byCreation)) {
        if (scaledDown >= total) break;
        const n = Math.min(specReplicas(rs), total - scaledDown);
        this.scale(rs, specReplicas(rs) - n);
        scaledDown += n;
      }
    }
    return cleaned + scaledDown > 0;
  }

  /** [cleanupDeployment]: the oldest idle ReplicaSets beyond revisionHistoryLimit go. */
  cleanup(): void {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = this.oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const diff = cleanable.length - limit;
    for (const rs of cleanable.slice(0, Math.max(0, diff))) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.actions.push({ type: 'delete', name: rs.metadata?.name ?? '' });
    }
  }

  plan(kind: RolloutPlan['kind'] = 'rollout'): RolloutPlan {
    return { actions: this.actions, newRS: this.newRS, allRSs: this.allRSs, revision: this.revision, createdNewRS: this.createdNewRS, kind };
  }
}

/** [IsSaturated]: the new ReplicaSet is the whole Deployment, all available. */
function isSaturated(d: V1Deployment, rs: V1ReplicaSet): boolean {
  return specReplicas(rs) === replicasOf(d) && rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(replicasOf(d))
    && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** [GetProportion] with [getReplicaSetFraction]. */
function proportionOf(rs: V1ReplicaSet, d: V1Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -specReplicas(rs);
  else {
    const annotated = Number(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION] ?? NaN);
    const base = Number.isInteger(annotated) && annotated > 0 ? annotated : d.status?.replicas ?? 0;
    fraction = base === 0 ? 0 : Math.round((specReplicas(rs) * (replicasOf(d) + maxSurgeOf(d))) / base) - specReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** [oldPodsRunning]: Recreate waits until no pod of an old ReplicaSet runs. */
function oldPodsRunning(oldRSs: readonly V1ReplicaSet[], podsOf: (rs: V1ReplicaSet) => readonly V1Pod[]): boolean {
  if (sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
  return oldRSs.some((rs) => podsOf(rs).some((p) => !isFinished(p)));
}

/** [DeploymentComplete]: every replica updated and available, and the latest generation observed. */
export interface ReplicaCounts { replicas?: number; updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number }

export function isDeploymentComplete(d: V1Deployment, status: ReplicaCounts | undefined): boolean {
  const r = replicasOf(d);
  return (status?.updatedReplicas ?? 0) === r && (status?.replicas ?? 0) === r && (status?.availableReplicas ?? 0) === r
    && (status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/**
 * The plan of one sync: `paused` or a scaling event only resizes [sync]; otherwise the strategy's
 * rollout runs [rolloutRolling, rolloutRecreate]. `podsOf` gives the pods a ReplicaSet owns.
 */
export function planDeploymentSync(d: V1Deployment, sets: readonly V1ReplicaSet[], podsOf: (rs: V1ReplicaSet) => readonly V1Pod[]): RolloutPlan {
  const p = new Planner(d, sets);
  p.syncRevision(false);
  if (d.spec?.paused || p.isScalingEvent()) {
    p.scaleProportionally();
    if (d.spec?.paused) p.cleanup();
    return p.plan('scale');
  }
  // Cleanup looks at the status stored before this sync, as the real controller does.
  const complete = isDeploymentComplete(d, d.status);
  if (!isRolling(d)) {
    let scaledDown = false;
    for (const rs of active(p.oldRSs)) scaledDown = p.scale(rs, 0) || scaledDown;
    if (scaledDown || oldPodsRunning(p.oldRSs, podsOf)) return p.plan();
    if (!p.newRS) p.syncRevision(true);
    if (p.newRS) p.scale(p.newRS, replicasOf(d));
    if (complete) p.cleanup();
    return p.plan();
  }
  p.syncRevision(true);
  if (p.reconcileNew()) return p.plan();
  if (p.reconcileOld()) return p.plan();
  if (complete) p.cleanup();
  return p.plan();
}
