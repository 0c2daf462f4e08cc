// The hash of a desired object: sha256 of its JSON with sorted keys, without the applied-hash
// annotation itself. Stored on what the operator applies, so an unchanged object is recognised
// without comparing it field by field.
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ANNOTATION } from '../build/labels.js';

export function hashDesired(desired: KubernetesObject): string {
  const annotations = { ...desired.metadata?.annotations };
  delete annotations[ANNOTATION.appliedHash];
  const value = { ...desired, metadata: { ...desired.metadata, annotations } };
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 20);
}

/** JSON with object keys sorted and undefined members dropped: equal values give equal text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
