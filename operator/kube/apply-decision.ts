// Whether to write a desired object: absent → create; its applied-hash annotation differs → update;
// drifted from desired (someone edited a field we set) → update; else nothing. Pure.
import type { KubernetesObject } from '@kubernetes/client-node';
import { ANNOTATION } from '../build/labels.js';
import { findDifference } from './desired-subset.js';

export type ApplyDecision =
  | { readonly action: 'create' }
  | { readonly action: 'update'; readonly why: 'hash'; readonly was: string | undefined }
  | { readonly action: 'update'; readonly why: 'drift'; readonly path: string }
  | { readonly action: 'none' };

/**
 * `desired` carries the applied-hash annotation `hash`. `compareBySubset` is false once our own
 * write of this hash left the object different (a server normalisation not modelled): then the
 * hash alone decides, so that the difference cannot cause a write on every reconcile.
 */
export function decideApply(live: KubernetesObject | undefined, desired: KubernetesObject, hash: string, compareBySubset: boolean): ApplyDecision {
  if (!live) return { action: 'create' };
  const was = live.metadata?.annotations?.[ANNOTATION.appliedHash];
  if (was !== hash) return { action: 'update', why: 'hash', was };
  if (!compareBySubset) return { action: 'none' };
  const path = findDifference(asStored(desired), live);
  return path === undefined ? { action: 'none' } : { action: 'update', why: 'drift', path };
}

/** A Secret's stringData is stored base64-encoded into data (and overrides it), never as stringData. */
export function asStored(desired: KubernetesObject): KubernetesObject {
  const secret = desired as KubernetesObject & { stringData?: Record<string, string>; data?: Record<string, string> };
  if (desired.kind !== 'Secret' || !secret.stringData) return desired;
  const encoded = Object.fromEntries(Object.entries(secret.stringData).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const { stringData: _dropped, ...rest } = secret;
  return { ...rest, data: { ...secret.data, ...encoded } } as KubernetesObject;
}
