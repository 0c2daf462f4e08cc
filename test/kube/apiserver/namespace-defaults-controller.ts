// What kube-controller-manager puts in every namespace: the `default` ServiceAccount (serviceaccount
// controller) and the `kube-root-ca.crt` ConfigMap with the apiserver's CA (root-ca-cert-publisher),
// recreated when deleted, never in a terminating namespace. Pods mount both through their
// ServiceAccount volume. Works on the store, as the emulator's other in-process controllers.
import type { Logger } from '../../../broker/contract/logger.js';
import { CoalescedPass } from './coalesced-pass.js';
import { isObject, metadataOf, stringAt, type JsonObject } from './json.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { CallContext, ResourceService } from './resource-service.js';
import { ROOT_CA_CONFIG_MAP } from './service-account-admission.js';

const CONTEXT: CallContext = { manager: 'kube-controller-manager', dryRun: false, force: false, fieldValidation: 'Ignore', warnings: [] };

export class NamespaceDefaultsController {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #service: ResourceService;
  readonly #caPem: string | undefined;
  readonly #pass: CoalescedPass;

  /** `caPem`: the serving CA; without TLS there is none to publish. */
  constructor(store: ObjectStore, registry: ResourceRegistry, service: ResourceService, caPem: string | undefined, logger: Logger) {
    this.#store = store;
    this.#registry = registry;
    this.#service = service;
    this.#caPem = caPem;
    this.#pass = new CoalescedPass(store, () => this.reconcile(), logger.child({ controller: 'namespace-defaults' }), 'namespace-defaults');
  }

  /** One pass over every namespace (also run once at start, before the server listens). */
  reconcile(): void {
    const saType = this.#registry.lookup('', 'v1', 'serviceaccounts');
    const cmType = this.#registry.lookup('', 'v1', 'configmaps');
    if (!saType || !cmType) return;
    for (const ns of this.#store.list('/namespaces')) {
      const meta = metadataOf(ns);
      const status = isObject(ns['status']) ? ns['status'] : {};
      if (meta['deletionTimestamp'] !== undefined || status['phase'] === 'Terminating') continue;
      const name = stringAt(meta, 'name') ?? '';
      if (!this.#store.get(saType.storeKey, name, 'default')) this.#create(saType.storeKey, name, { metadata: { name: 'default' } });
      if (this.#caPem === undefined) continue;
      const cm = this.#store.get(cmType.storeKey, name, ROOT_CA_CONFIG_MAP);
      const annotations = { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' };
      if (!cm) this.#create(cmType.storeKey, name, { metadata: { name: ROOT_CA_CONFIG_MAP, annotations }, data: { 'ca.crt': this.#caPem } });
      else if ((isObject(cm['data']) ? cm['data']['ca.crt'] : undefined) !== this.#caPem) this.#service.systemUpdate(cmType, { ...cm, data: { 'ca.crt': this.#caPem } });
    }
  }

  #create(storeKey: string, namespace: string, body: JsonObject): void {
    const type = this.#registry.lookupAnyVersion(storeKey);
    if (!type) return;
    try {
      this.#service.create(type, namespace, body, CONTEXT);
    } catch (err) {
      // Someone created it between our read and write: it is there, which is all we wanted.
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }

  close(): void { this.#pass.close(); }
}
