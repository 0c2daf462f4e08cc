// The apiextensions part of the emulator: validates CustomResourceDefinitions, serves their
// custom resources once accepted (NamesAccepted, Established), validates/prunes/defaults those
// resources with the version's schema, and deletes them before the CRD itself goes.
import type { Logger } from '../../../broker/contract/logger.js';
import { CRD_CLEANUP_FINALIZER, CRD_STORE_KEY, type CustomResourceHooks } from './admission.js';
import { CoalescedPass } from './coalesced-pass.js';
import type { FieldError } from './api-error.js';
import { normalizeCustomResource } from './crd-schema-normalize.js';
import { validateAgainstSchema } from './crd-schema-validate.js';
import { CelRules } from './crd-cel.js';
import { checkDefaults } from './crd-default-check.js';
import { checkStructural } from './crd-structural.js';
import { clone, isObject, metadataOf, objectsIn, stringAt, type JsonObject, type JsonValue } from './json.js';
import { kubeTime } from './object-meta.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { ALL_VERBS, apiVersionOf, storeKeyOf, type PrinterColumn, type ResourceType } from './resource-type.js';

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** The resource types a CRD object defines, one per served version. */
export function typesOfCrd(crd: JsonObject): ResourceType[] {
  const spec = isObject(crd['spec']) ? crd['spec'] : {};
  const names = isObject(spec['names']) ? spec['names'] : {};
  const group = String(spec['group'] ?? '');
  const plural = String(names['plural'] ?? '');
  const kind = String(names['kind'] ?? '');
  return objectsIn(spec['versions']).filter((v) => v['served'] !== false).map((v) => {
    const sub = isObject(v['subresources']) ? v['subresources'] : {};
    const scale = isObject(sub['scale']) ? sub['scale'] : undefined;
    const schema = isObject(v['schema']) && isObject(v['schema']['openAPIV3Schema']) ? v['schema']['openAPIV3Schema'] : undefined;
    const columns = objectsIn(v['additionalPrinterColumns']).map((c) => ({
      name: String(c['name']), type: String(c['type']), jsonPath: String(c['jsonPath']),
      ...(typeof c['description'] === 'string' ? { description: c['description'] } : {}),
      ...(typeof c['format'] === 'string' ? { format: c['format'] } : {}),
      ...(typeof c['priority'] === 'number' ? { priority: c['priority'] } : {}),
    }) satisfies PrinterColumn);
    return {
      group, version: String(v['name']), plural, singular: String(names['singular'] ?? kind.toLowerCase()), kind,
      listKind: String(names['listKind'] ?? `${kind}List`), namespaced: spec['scope'] !== 'Cluster',
      shortNames: strings(names['shortNames']), categories: strings(names['categories']), verbs: ALL_VERBS,
      status: isObject(sub['status']),
      scale: scale ? {
        specReplicasPath: String(scale['specReplicasPath'] ?? '.spec.replicas'), statusReplicasPath: String(scale['statusReplicasPath'] ?? '.status.replicas'),
        ...(typeof scale['labelSelectorPath'] === 'string' ? { labelSelectorPath: scale['labelSelectorPath'] } : {}),
      } : undefined,
      hasGeneration: true, builtin: false, storeKey: storeKeyOf(group, plural), schema, printerColumns: columns,
    } satisfies ResourceType;
  });
}

/** ValidateCustomResourceDefinition, limited to names, versions and structural schemas. */
export function validateCrd(crd: JsonObject, cel: CelRules = new CelRules()): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(crd['spec']) ? crd['spec'] : {};
  const names = isObject(spec['names']) ? spec['names'] : {};
  const group = spec['group'];
  const plural = names['plural'];
  const name = stringAt(metadataOf(crd), 'name') ?? '';
  if (typeof group !== 'string' || group === '') errors.push({ type: 'Required', field: 'spec.group' });
  else if (!group.includes('.')) errors.push({ type: 'Invalid', field: 'spec.group', value: group, detail: 'should be a domain with at least one dot' });
  if (typeof plural !== 'string' || plural === '') errors.push({ type: 'Required', field: 'spec.names.plural' });
  if (typeof names['kind'] !== 'string' || names['kind'] === '') errors.push({ type: 'Required', field: 'spec.names.kind' });
  if (typeof group === 'string' && typeof plural === 'string' && name !== `${plural}.${group}`) {
    errors.push({ type: 'Invalid', field: 'metadata.name', value: name, detail: 'must be spec.names.plural+"."+spec.group' });
  }
  if (!['Namespaced', 'Cluster'].includes(String(spec['scope']))) {
    errors.push({ type: 'NotSupported', field: 'spec.scope', value: spec['scope'] ?? '', detail: 'supported values: "Cluster", "Namespaced"' });
  }
  const versions = objectsIn(spec['versions']);
  if (versions.length === 0) errors.push({ type: 'Invalid', field: 'spec.versions', value: [], detail: 'must have exactly one version marked as storage version' });
  else if (versions.filter((v) => v['storage'] === true).length !== 1) {
    errors.push({ type: 'Invalid', field: 'spec.versions', value: spec['versions'] ?? null, detail: 'must have exactly one version marked as storage version' });
  }
  versions.forEach((v, i) => {
    const schema = isObject(v['schema']) ? v['schema']['openAPIV3Schema'] : undefined;
    const structural = checkStructural(schema, `spec.versions[${i}].schema.openAPIV3Schema`);
    errors.push(...structural);
    // Defaults are only checked on a schema that is structural, as the apiserver does.
    if (structural.length === 0 && isObject(schema)) {
      errors.push(...checkDefaults(schema, `spec.versions[${i}].schema.openAPIV3Schema`));
      errors.push(...cel.compile(schema, `spec.versions[${i}].schema.openAPIV3Schema`));
    }
  });
  return errors;
}

export class CrdController {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #pass: CoalescedPass;
  readonly #cel = new CelRules();

  constructor(store: ObjectStore, registry: ResourceRegistry, logger: Logger, now: () => number) {
    this.#store = store;
    this.#registry = registry;
    this.#logger = logger;
    this.#now = now;
    this.#pass = new CoalescedPass(store, () => this.#reconcileAll(), logger, 'CRD', (e) => this.#serve(e));
  }

  readonly hooks: CustomResourceHooks = {
    normalize: (type, obj) => { if (type.schema) normalizeCustomResource(type.schema, obj); },
    validate: (type, obj, old) => {
      if (!type.schema) return [];
      const errors = validateAgainstSchema(type.schema, obj);
      // CEL rules see well-typed values only: they run once the schema itself holds.
      return errors.length > 0 ? errors : this.#cel.evaluate(type.schema, obj, old);
    },
  };

  /** Extra validation the writer runs for every kind: CRDs check themselves here. */
  readonly validateDefinition = (type: ResourceType, obj: JsonObject): FieldError[] => (type.storeKey === CRD_STORE_KEY ? validateCrd(obj, this.#cel) : []);

  /** Read-time view: custom resources report the requested version and get read-time defaults. */
  readonly present = (type: ResourceType, obj: JsonObject): JsonObject => {
    if (type.builtin) return obj;
    const out = clone(obj);
    out['apiVersion'] = apiVersionOf(type);
    if (type.schema) normalizeCustomResource(type.schema, out);
    return out;
  };

  /** Serving starts at the write itself, so a client can create resources right after the CRD; status follows. */
  #serve(e: StoreEvent): void {
    if (e.storeKey !== CRD_STORE_KEY) return;
    const name = stringAt(metadataOf(e.object), 'name') ?? '';
    if (e.type === 'DELETED') this.#registry.setCustomResource(name, []);
    else if (!this.#conflictsWithOthers(e.object)) this.#registry.setCustomResource(name, typesOfCrd(e.object));
  }

  #conflictsWithOthers(crd: JsonObject): boolean {
    const own = typesOfCrd(crd)[0];
    if (!own) return false;
    return this.#registry.all().some((t) => t.group === own.group && t.storeKey !== own.storeKey && (t.kind === own.kind || t.plural === own.plural));
  }

  #reconcileAll(): void {
    for (const crd of this.#store.list(CRD_STORE_KEY)) {
      try { this.#reconcile(crd); } catch (err) { this.#logger.error('CRD reconcile failed', { crd: metadataOf(crd)['name'], err }); }
    }
  }

  #reconcile(crd: JsonObject): void {
    const meta = metadataOf(crd);
    if (meta['deletionTimestamp'] !== undefined) { this.#cleanup(crd); return; }
    const spec = isObject(crd['spec']) ? crd['spec'] : {};
    const names = isObject(spec['names']) ? spec['names'] : {};
    const conflict = this.#conflictsWithOthers(crd);
    const status = isObject(crd['status']) ? clone(crd['status']) : {};
    const now = kubeTime(this.#now());
    const conditions = objectsIn(status['conditions']);
    const setCondition = (type: string, value: string, reason: string, message: string): void => {
      const existing = conditions.find((c) => c['type'] === type);
      if (existing && existing['status'] === value && existing['reason'] === reason) return;
      const next = { type, status: value, lastTransitionTime: now, reason, message };
      if (existing) Object.assign(existing, next); else conditions.push(next);
    };
    setCondition('NamesAccepted', conflict ? 'False' : 'True', conflict ? 'KindConflict' : 'NoConflicts', conflict ? `"${String(names['kind'])}" is already in use` : 'no conflicts found');
    setCondition('Established', conflict ? 'False' : 'True', conflict ? 'NotAccepted' : 'InitialNamesAccepted', conflict ? 'not all names are accepted' : 'the initial names have been accepted');
    status['conditions'] = conditions;
    if (!conflict) status['acceptedNames'] = clone(names);
    const storage = objectsIn(spec['versions']).find((v) => v['storage'] === true);
    const stored = strings(status['storedVersions']);
    if (storage && !stored.includes(String(storage['name']))) stored.push(String(storage['name']));
    status['storedVersions'] = stored;
    if (JSON.stringify(status) === JSON.stringify(crd['status'])) return;
    this.#store.update(CRD_STORE_KEY, { ...crd, status });
  }

  /** Deletes the CRD's custom resources, then drops the cleanup finalizer so the CRD goes. */
  #cleanup(crd: JsonObject): void {
    const types = typesOfCrd(crd);
    const key = types[0]?.storeKey;
    const remaining = key ? this.#store.list(key) : [];
    for (const obj of remaining) {
      const finalizers = metadataOf(obj)['finalizers'];
      if (Array.isArray(finalizers) && finalizers.length > 0) {
        if (metadataOf(obj)['deletionTimestamp'] === undefined) this.#store.update(key ?? '', { ...obj, metadata: { ...metadataOf(obj), deletionTimestamp: kubeTime(this.#now()), deletionGracePeriodSeconds: 0 } });
      } else this.#store.delete(key ?? '', obj);
    }
    if (key && this.#store.list(key).length > 0) return;
    const meta = metadataOf(crd);
    const finalizers = strings(meta['finalizers']).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    const next = { ...crd, metadata: { ...meta, finalizers } };
    if (finalizers.length === 0) { delete (next.metadata as JsonObject)['finalizers']; this.#store.delete(CRD_STORE_KEY, this.#store.update(CRD_STORE_KEY, next)); }
    else this.#store.update(CRD_STORE_KEY, next);
  }

  close(): void {
    this.#pass.close();
  }
}
