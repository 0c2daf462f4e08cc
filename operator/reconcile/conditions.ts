// Standard Kubernetes conditions: setting one keeps its lastTransitionTime unless its status
// changes, so a status recomputed at rest is byte-for-byte what is stored (and is not written).
import type { Condition, ConditionType } from '../api/broker-cluster-status.js';

export interface ConditionInput {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

export function mergeConditions(previous: readonly Condition[] | undefined, next: readonly ConditionInput[], now: Date, generation: number): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  const out: Condition[] = [];
  for (const input of next) {
    const old = byType.get(input.type);
    const lastTransitionTime = old !== undefined && old.status === input.status ? old.lastTransitionTime : now.toISOString();
    out.push({ ...input, lastTransitionTime, observedGeneration: generation });
    byType.delete(input.type);
  }
  // Conditions this operator did not compute this time (another step owns them) stay as they were.
  for (const rest of byType.values()) out.push(rest);
  return out;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
