// The per-kind hooks a write passes through (defaults, pruning, validation), so the writer
// treats built-ins and custom resources alike; custom resources plug in via CustomResourceHooks.
import type { FieldError } from './api-error.js';
import { applyBuiltinDefaults, initialStatus } from './builtin-defaults.js';
import { validateBuiltin } from './builtin-validation.js';
import { metadataOf, type JsonObject } from './json.js';
import type { ResourceType } from './resource-type.js';
import type { ServiceIpAllocator } from './service-ip-allocator.js';

export const CRD_STORE_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface CustomResourceHooks {
  /** Prunes unknown fields and applies structural defaults in place. */
  normalize(type: ResourceType, obj: JsonObject): void;
  validate(type: ResourceType, obj: JsonObject, old: JsonObject | undefined): FieldError[];
}

export interface Admission {
  normalize(type: ResourceType, obj: JsonObject): void;
  validate(type: ResourceType, obj: JsonObject, old: JsonObject | undefined): FieldError[];
  /** PrepareForCreate: the status an object starts with, create-time finalizers, allocated fields. */
  prepareForCreate(type: ResourceType, obj: JsonObject): void;
  /** PrepareForUpdate: server-allocated fields the new object leaves out are kept. */
  prepareForUpdate(type: ResourceType, obj: JsonObject, old: JsonObject): void;
}

export type Validator = (type: ResourceType, obj: JsonObject, old: JsonObject | undefined) => FieldError[];
/** A mutating admission plugin on create (ServiceAccount); may refuse by throwing an ApiError. */
export type CreateMutator = (type: ResourceType, obj: JsonObject) => void;

export function createAdmission(custom: CustomResourceHooks, serviceIps: ServiceIpAllocator, extraValidators: readonly Validator[] = [], mutators: readonly CreateMutator[] = []): Admission {
  return {
    normalize(type, obj) {
      if (type.builtin) applyBuiltinDefaults(type.storeKey, obj);
      else custom.normalize(type, obj);
    },
    validate(type, obj, old) {
      const own = type.builtin ? validateBuiltin(type.storeKey, obj, old) : custom.validate(type, obj, old);
      const ips = type.storeKey === '/services' ? serviceIps.validate(obj, old) : [];
      return [...own, ...ips, ...extraValidators.flatMap((v) => v(type, obj, old))];
    },
    prepareForUpdate(type, obj, old) {
      if (type.storeKey === '/services') serviceIps.keep(obj, old);
    },
    prepareForCreate(type, obj) {
      for (const mutate of mutators) mutate(type, obj);
      if (type.storeKey === '/services') serviceIps.assign(obj);
      if (!type.status) return;
      const initial = type.builtin ? initialStatus(type.storeKey, obj) : undefined;
      if (initial === undefined) delete obj['status']; else obj['status'] = initial;
      if (type.storeKey === CRD_STORE_KEY) {
        // Custom resources are removed before their definition goes [apiextensions CRD strategy].
        const meta = metadataOf(obj);
        const finalizers = Array.isArray(meta['finalizers']) ? meta['finalizers'].map(String) : [];
        if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) meta['finalizers'] = [...finalizers, CRD_CLEANUP_FINALIZER];
      }
    },
  };
}
