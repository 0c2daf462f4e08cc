// The namespace controller: a namespace being deleted (phase Terminating) has its contents
// deleted, then its `kubernetes` spec finalizer removed, and goes.
import type { Logger } from '../../../broker/contract/logger.js';
import { CoalescedPass } from './coalesced-pass.js';
import { isObject, metadataOf, stringAt } from './json.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceService } from './resource-service.js';

export class NamespaceController {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #service: ResourceService;
  readonly #pass: CoalescedPass;

  constructor(store: ObjectStore, registry: ResourceRegistry, service: ResourceService, logger: Logger) {
    this.#store = store;
    this.#registry = registry;
    this.#service = service;
    this.#pass = new CoalescedPass(store, () => this.#reconcile(), logger.child({ controller: 'namespace' }), 'namespace');
  }

  #reconcile(): void {
    const nsType = this.#registry.lookup('', 'v1', 'namespaces');
    if (!nsType) return;
    for (const ns of this.#store.list('/namespaces')) {
      const meta = metadataOf(ns);
      if (meta['deletionTimestamp'] === undefined) continue;
      const name = stringAt(meta, 'name') ?? '';
      let remaining = 0;
      for (const key of this.#store.storeKeys()) {
        const type = this.#registry.lookupAnyVersion(key);
        if (!type?.namespaced) continue;
        for (const obj of this.#store.list(key, name)) {
          remaining++;
          if (metadataOf(obj)['deletionTimestamp'] !== undefined) continue;
          try { this.#service.delete(type, name, stringAt(metadataOf(obj), 'name') ?? '', { dryRun: false }); }
          catch (err) { if ((err as { code?: number }).code !== 404) throw err; }
        }
      }
      if (remaining > 0) continue;
      const spec = isObject(ns['spec']) ? ns['spec'] : {};
      if (Array.isArray(spec['finalizers']) && spec['finalizers'].length > 0) {
        this.#service.systemUpdate(nsType, { ...ns, spec: { ...spec, finalizers: [] } });
      }
    }
  }

  close(): void {
    this.#pass.close();
  }
}
