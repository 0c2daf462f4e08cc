// Decodes `application/vnd.kubernetes.protobuf` request bodies (what kubectl's generators, Helm and
// client-go send) into the JSON object the rest of the emulator works on: the "k8s\0" magic, the
// runtime.Unknown envelope naming apiVersion/kind, and the object's message from the schemas.
import protobuf from 'protobufjs';
import { ApiError, badRequest } from '../api-error.js';
import type { JsonObject } from '../json.js';
import { findUnknownFields, toGoJson } from './protobuf-json.js';
import { APPS_PROTO } from './schema-apps.js';
import { CORE_CONTAINERS_PROTO } from './schema-core-containers.js';
import { CORE_OBJECTS_PROTO } from './schema-core-objects.js';
import { CORE_POD_PROTO } from './schema-core-pod.js';
import { CORE_VOLUMES_PROTO } from './schema-core-volumes.js';
import { AUTHENTICATION_PROTO, AUTOSCALING_PROTO, COORDINATION_PROTO, DISCOVERY_PROTO, EVENTS_PROTO, POLICY_PROTO, RBAC_PROTO } from './schema-groups.js';
import { INTSTR_PROTO, META_PROTO, RESOURCE_PROTO, RUNTIME_PROTO } from './schema-meta.js';

/** The prefix of every Kubernetes protobuf object (k8s.io/apimachinery/pkg/runtime/serializer/protobuf). */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** apiVersion/kind → the schema message; DeleteOptions travels with any group's apiVersion. */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'core.Namespace', 'v1/Secret': 'core.Secret', 'v1/ConfigMap': 'core.ConfigMap',
  'v1/ServiceAccount': 'core.ServiceAccount', 'v1/Service': 'core.Service', 'v1/Endpoints': 'core.Endpoints',
  'v1/Event': 'core.Event', 'v1/Pod': 'core.Pod', 'v1/Binding': 'core.Binding',
  'apps/v1/Deployment': 'apps.Deployment', 'apps/v1/ReplicaSet': 'apps.ReplicaSet', 'apps/v1/StatefulSet': 'apps.StatefulSet', 'apps/v1/ControllerRevision': 'apps.ControllerRevision',
  'policy/v1/PodDisruptionBudget': 'policy.PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'rbac.Role', 'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac.ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac.RoleBinding', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  'coordination.k8s.io/v1/Lease': 'coordination.Lease', 'discovery.k8s.io/v1/EndpointSlice': 'discovery.EndpointSlice',
  'events.k8s.io/v1/Event': 'events.Event', 'autoscaling/v1/Scale': 'autoscaling.Scale',
  'authentication.k8s.io/v1/TokenRequest': 'authentication.TokenRequest',
};

/** The schemas' packages as the Kubernetes proto packages they stand for, for error messages. */
const PROTO_PACKAGES: Record<string, string> = {
  core: 'k8s.io.api.core.v1', apps: 'k8s.io.api.apps.v1', policy: 'k8s.io.api.policy.v1', rbac: 'k8s.io.api.rbac.v1',
  coordination: 'k8s.io.api.coordination.v1', discovery: 'k8s.io.api.discovery.v1', events: 'k8s.io.api.events.v1',
  autoscaling: 'k8s.io.api.autoscaling.v1', authentication: 'k8s.io.api.authentication.v1', meta: 'k8s.io.apimachinery.pkg.apis.meta.v1', runtime: 'k8s.io.apimachinery.pkg.runtime',
  resource: 'k8s.io.apimachinery.pkg.api.resource', intstr: 'k8s.io.apimachinery.pkg.util.intstr',
};

export interface ProtobufBodyDecoder {
  /** The body as the JSON object a client would have sent; throws an ApiError the client can read. */
  decode(raw: Buffer): JsonObject;
  /** The kinds (`apps/v1/Deployment`) whose protobuf bodies are understood. */
  readonly kinds: readonly string[];
}

/** The schemas of every built-in kind, resolved, and the message type of each `apiVersion/Kind`. */
export function loadKubernetesSchemas(): { root: protobuf.Root; typeOf(apiVersion: string, kind: string): protobuf.Type | undefined } {
  const root = new protobuf.Root();
  for (const text of [META_PROTO, RUNTIME_PROTO, RESOURCE_PROTO, INTSTR_PROTO, CORE_OBJECTS_PROTO, CORE_POD_PROTO,
    CORE_CONTAINERS_PROTO, CORE_VOLUMES_PROTO, APPS_PROTO, POLICY_PROTO, RBAC_PROTO, COORDINATION_PROTO,
    DISCOVERY_PROTO, EVENTS_PROTO, AUTOSCALING_PROTO, AUTHENTICATION_PROTO]) {
    protobuf.parse(`syntax = "proto2";\n${text}`, root, { keepCase: true });
  }
  root.resolveAll();
  return { root, typeOf: (apiVersion, kind) => { const name = KINDS[`${apiVersion}/${kind}`]; return name ? root.lookupType(name) : undefined; } };
}

export function createProtobufBodyDecoder(): ProtobufBodyDecoder {
  const { root } = loadKubernetesSchemas();
  const unknownType = root.lookupType('runtime.Unknown');
  const deleteOptions = root.lookupType('meta.DeleteOptions');
  const types = new Map(Object.entries(KINDS).map(([k, name]) => [k, root.lookupType(name)]));

  const decodeMessage = (type: protobuf.Type, bytes: Uint8Array): protobuf.Message => {
    const reader = protobuf.Reader.create(bytes);
    // Keep unknown fields so that a field the schema lacks is reported, never silently dropped.
    reader.discardUnknown = false;
    try {
      return type.decode(reader);
    } catch (err) {
      throw badRequest(`the server rejected our request due to an error in our request: ${(err as Error).message}`, { cause: err });
    }
  };

  return {
    kinds: [...types.keys()],
    decode(raw: Buffer): JsonObject {
      if (raw.length < PROTOBUF_MAGIC.length || !raw.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC)) {
        throw badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
      }
      const envelope = decodeMessage(unknownType, raw.subarray(PROTOBUF_MAGIC.length)) as unknown as {
        typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string;
      };
      const apiVersion = envelope.typeMeta?.apiVersion ?? '';
      const kind = envelope.typeMeta?.kind ?? '';
      if ((envelope.contentEncoding ?? '') !== '') {
        throw badRequest(`unsupported content encoding ${JSON.stringify(envelope.contentEncoding)} in the protobuf envelope`);
      }
      const type = kind === 'DeleteOptions' ? deleteOptions : types.get(`${apiVersion}/${kind}`);
      if (!type) {
        // Custom resources have no protobuf form on a real cluster either.
        throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the emulator decodes ${PROTOBUF_MEDIA_TYPE} bodies of built-in kinds only, got ${apiVersion || '<no apiVersion>'} ${kind || '<no kind>'})`, {});
      }
      const message = decodeMessage(type, envelope.raw ?? new Uint8Array());
      const unknown = findUnknownFields(type, message);
      if (unknown.length > 0) {
        const list = unknown.map((u) => `field ${u.field} (wire type ${u.wireType}) of ${protoName(u.type)}`).join(', ');
        // A field the real apiserver knows but these schemas do not: refuse rather than lose it.
        throw new ApiError(415, 'UnsupportedMediaType', `the emulator's protobuf schema for ${apiVersion} ${kind} lacks ${list}; send the object as application/json`, {});
      }
      return { apiVersion, kind, ...toGoJson(type, message) };
    },
  };
}

function protoName(schemaName: string): string {
  const [pkg, ...rest] = schemaName.split('.');
  return `${PROTO_PACKAGES[pkg ?? ''] ?? pkg ?? ''}.${rest.join('.')}`;
}
