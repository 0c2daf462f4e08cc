// Rendered manifests checked against the Kubernetes schemas, offline: each built-in object with
// the validators `kubernetes-models` generates from the upstream OpenAPI (types, required fields,
// enums) plus the unknown-field check of the k8s.io/api field catalogue (what strict validation
// refuses), ServiceMonitors and PrometheusRules with @kubernetes-models/prometheus-operator, and
// BrokerClusters with the operator's own zod schema. The API emulator's dry run comes on top.
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as apiextensionsV1 from 'kubernetes-models/apiextensions.k8s.io/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as coordinationV1 from 'kubernetes-models/coordination.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { brokerClusterSpecSchema } from '../../operator/api/broker-cluster-spec.js';
import { createFieldChecker } from '../kube/apiserver/protobuf/json-field-check.js';

export interface Manifest { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: unknown }

/** The objects of a multi-document YAML (`helm template` output), empty documents skipped. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => m !== null && typeof m === 'object');
}

type Validatable = new (data: unknown) => { validate(): void };

const MODULES: Record<string, Record<string, unknown>> = {
  v1: coreV1, 'apps/v1': appsV1, 'policy/v1': policyV1, 'rbac.authorization.k8s.io/v1': rbacV1,
  'coordination.k8s.io/v1': coordinationV1, 'apiextensions.k8s.io/v1': apiextensionsV1, 'monitoring.coreos.com/v1': monitoringV1,
};

const fields = createFieldChecker();

/** What is wrong with one object (empty: valid). */
export function validateManifest(m: Manifest): string[] {
  const where = `${m.kind}/${m.metadata?.name ?? '?'}`;
  if (m.apiVersion === 'meshmq.io/v1alpha1' && m.kind === 'BrokerCluster') {
    const parsed = brokerClusterSpecSchema.safeParse(m['spec'] ?? {});
    return parsed.success ? [] : parsed.error.issues.map((i) => `${where}: spec.${i.path.join('.')}: ${i.message}`);
  }
  const module = MODULES[m.apiVersion];
  if (!module) return [`${where}: no schema for ${m.apiVersion}`];
  const Model = module[m.kind] as Validatable | undefined;
  if (!Model) return [`${where}: no schema for ${m.apiVersion} ${m.kind}`];
  const errors: string[] = [];
  try { new Model(m).validate(); } catch (err) { errors.push(`${where}: ${(err as Error).message}`); }
  // CRDs are validated by the API server's own rules (structural schemas); their bodies are free.
  if (m.kind !== 'CustomResourceDefinition') {
    for (const path of fields.unknownFields(m) ?? []) errors.push(`${where}: unknown field "${path}"`);
  }
  return errors;
}

export function validateManifests(ms: readonly Manifest[]): string[] {
  return ms.flatMap(validateManifest);
}
