// The apimachinery and autoscaling schemas a custom resource's OpenAPI v3 document refers to
// (ObjectMeta, ListMeta, Status, DeleteOptions, Patch, Scale, ...), under the component names a
// real API server gives them, so that `kubectl explain <cr>.metadata` resolves its references.
import type { JsonObject } from './json.js';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
/** A reference with a description beside it: OpenAPI 3.0 ignores siblings of $ref, so it goes in allOf. */
export const refWith = (name: string, description: string, extra: JsonObject = {}): JsonObject => ({ allOf: [ref(name)], ...(description ? { description } : {}), ...extra });

const str = (description: string): JsonObject => ({ description, type: 'string' });
const int = (description: string, format = 'int64'): JsonObject => ({ description, type: 'integer', format });
const bool = (description: string): JsonObject => ({ description, type: 'boolean' });
const strings = (description: string): JsonObject => ({ description, type: 'array', items: { type: 'string', default: '' } });
const stringMap = (description: string): JsonObject => ({ description, type: 'object', additionalProperties: { type: 'string', default: '' } });

export const TYPE_META_PROPERTIES: JsonObject = {
  apiVersion: str('APIVersion defines the versioned schema of this representation of an object; servers convert recognised schemas to the latest internal value.'),
  kind: str('Kind is a string value representing the REST resource this object represents, in CamelCase; servers may infer it from the endpoint the client submits requests to. Cannot be updated.'),
};

export const OBJECT_META_DESCRIPTION = 'Standard object\'s metadata: name, namespace, labels, annotations, owners and the fields the API server maintains.';
export const LIST_META_DESCRIPTION = 'Standard list metadata: resourceVersion and continue token.';

const objectMeta: JsonObject = {
  description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  type: 'object',
  properties: {
    annotations: stringMap('Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable.'),
    creationTimestamp: refWith(`${META}.Time`, 'CreationTimestamp is the time the server created this object. Set by the system; read-only.'),
    deletionGracePeriodSeconds: int('Number of seconds allowed for this object to gracefully terminate before it is removed from the system; only set when deletionTimestamp is set. Read-only.'),
    deletionTimestamp: refWith(`${META}.Time`, 'DeletionTimestamp is the time after which this resource is deleted, set when a graceful deletion is requested. Read-only.'),
    finalizers: { ...strings('Must be empty before the object is deleted from the registry. Each entry identifies a component responsible for cleaning up before the object goes.'), 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
    generateName: str('GenerateName is an optional prefix the server uses to generate a unique name when name is not provided.'),
    generation: int('A sequence number representing a specific generation of the desired state. Populated by the system; read-only.'),
    labels: stringMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services.'),
    managedFields: { description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. Mostly for internal housekeeping; users should not need to set or understand it.', type: 'array', items: refWith(`${META}.ManagedFieldsEntry`, '', { default: {} }), 'x-kubernetes-list-type': 'atomic' },
    name: str('Name must be unique within a namespace. It is required when creating resources, although some resources may allow a client to request a generated name. Cannot be updated.'),
    namespace: str('Namespace defines the space within which each name must be unique; an empty namespace is equivalent to "default". Cannot be updated.'),
    ownerReferences: {
      description: 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.',
      type: 'array', items: refWith(`${META}.OwnerReference`, '', { default: {} }),
      'x-kubernetes-list-map-keys': ['uid'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge',
    },
    resourceVersion: str('An opaque value that represents the internal version of this object, used by clients to determine when objects have changed and for optimistic concurrency. Read-only.'),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
    uid: str('UID is the unique in time and space value for this object, generated by the server on successful creation. Read-only.'),
  },
};

const managedFieldsEntry: JsonObject = {
  description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
  type: 'object',
  properties: {
    apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
    fieldsType: str('FieldsType is the discriminator for the different fields format and version; the only value is FieldsV1.'),
    fieldsV1: refWith(`${META}.FieldsV1`, 'FieldsV1 holds the first JSON version format as described in the FieldsV1 type.'),
    manager: str('Manager is an identifier of the workflow managing these fields.'),
    operation: str('Operation is the type of operation which led to this ManagedFieldsEntry being created: Apply or Update.'),
    subresource: str('Subresource is the name of the subresource used to update that object, or empty if the object was updated through the main resource.'),
    time: refWith(`${META}.Time`, 'Time is the timestamp of when the ManagedFields entry was added.'),
  },
};

const ownerReference: JsonObject = {
  description: 'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped.',
  type: 'object',
  required: ['apiVersion', 'kind', 'name', 'uid'],
  properties: {
    apiVersion: { ...str('API version of the referent.'), default: '' },
    blockOwnerDeletion: bool('If true, and the owner has the foregroundDeletion finalizer, the owner cannot be deleted from the key-value store until this reference is removed.'),
    controller: bool('If true, this reference points to the managing controller.'),
    kind: { ...str('Kind of the referent.'), default: '' },
    name: { ...str('Name of the referent.'), default: '' },
    uid: { ...str('UID of the referent.'), default: '' },
  },
  'x-kubernetes-map-type': 'atomic',
};

const listMeta: JsonObject = {
  description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
  type: 'object',
  properties: {
    continue: str('Continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.'),
    remainingItemCount: int('The number of subsequent items in the list which are not included in this list response.'),
    resourceVersion: str('String that identifies the server\'s internal version of this object that can be used by clients to determine when objects have changed.'),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
  },
};

const status: JsonObject = {
  description: 'Status is a return value for calls that don\'t return other objects.',
  type: 'object',
  properties: {
    ...TYPE_META_PROPERTIES,
    code: int('Suggested HTTP return code for this status, 0 if not set.', 'int32'),
    details: refWith(`${META}.StatusDetails`, 'Extended data associated with the reason.'),
    message: str('A human-readable description of the status of this operation.'),
    metadata: refWith(`${META}.ListMeta`, LIST_META_DESCRIPTION, { default: {} }),
    reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
    status: str('Status of the operation. One of: "Success" or "Failure".'),
  },
  'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
};

const statusDetails: JsonObject = {
  description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
  type: 'object',
  properties: {
    causes: { description: 'The Causes array includes more details associated with the StatusReason failure.', type: 'array', items: refWith(`${META}.StatusCause`, '', { default: {} }), 'x-kubernetes-list-type': 'atomic' },
    group: str('The group attribute of the resource associated with the status StatusReason.'),
    kind: str('The kind attribute of the resource associated with the status StatusReason.'),
    name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
    retryAfterSeconds: int('If specified, the time in seconds before the operation should be retried.', 'int32'),
    uid: str('UID of the resource.'),
  },
};

const statusCause: JsonObject = {
  description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
  type: 'object',
  properties: {
    field: str('The field of the resource that has caused this error, as named by its JSON serialization.'),
    message: str('A human-readable description of the cause of the error.'),
    reason: str('A machine-readable description of the cause of the error.'),
  },
};

const deleteOptions: JsonObject = {
  description: 'DeleteOptions may be provided when deleting an API object.',
  type: 'object',
  properties: {
    ...TYPE_META_PROPERTIES,
    dryRun: { ...strings('When present, indicates that modifications should not be persisted. The only valid value is All.'), 'x-kubernetes-list-type': 'atomic' },
    gracePeriodSeconds: int('The duration in seconds before the object should be deleted; zero means delete immediately.'),
    orphanDependents: bool('Deprecated: use propagationPolicy. Should the dependent objects be orphaned.'),
    preconditions: refWith(`${META}.Preconditions`, 'Must be fulfilled before a deletion is carried out.'),
    propagationPolicy: str('Whether and how garbage collection is performed: Orphan, Background or Foreground.'),
  },
};

const preconditions: JsonObject = {
  description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
  type: 'object',
  properties: { resourceVersion: str('Specifies the target ResourceVersion'), uid: str('Specifies the target UID.') },
};

const scale: JsonObject = {
  description: 'Scale represents a scaling request for a resource.',
  type: 'object',
  properties: {
    ...TYPE_META_PROPERTIES,
    metadata: refWith(`${META}.ObjectMeta`, OBJECT_META_DESCRIPTION, { default: {} }),
    spec: refWith('io.k8s.api.autoscaling.v1.ScaleSpec', 'Defines the behavior of the scale.', { default: {} }),
    status: refWith('io.k8s.api.autoscaling.v1.ScaleStatus', 'The current status of the scale. Read-only.', { default: {} }),
  },
  'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }],
};

/** Every schema a custom resource document may reference, by component name. */
export const META_SCHEMAS: Readonly<Record<string, JsonObject>> = {
  [`${META}.DeleteOptions`]: deleteOptions,
  [`${META}.FieldsV1`]: { description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', type: 'object' },
  [`${META}.ListMeta`]: listMeta,
  [`${META}.ManagedFieldsEntry`]: managedFieldsEntry,
  [`${META}.ObjectMeta`]: objectMeta,
  [`${META}.OwnerReference`]: ownerReference,
  [`${META}.Patch`]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  [`${META}.Preconditions`]: preconditions,
  [`${META}.Status`]: status,
  [`${META}.StatusCause`]: statusCause,
  [`${META}.StatusDetails`]: statusDetails,
  [`${META}.Time`]: { description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON, as RFC 3339.', type: 'string', format: 'date-time' },
  'io.k8s.api.autoscaling.v1.Scale': scale,
  'io.k8s.api.autoscaling.v1.ScaleSpec': { description: 'ScaleSpec describes the attributes of a scale subresource.', type: 'object', properties: { replicas: int('The desired number of instances for the scaled object.', 'int32') } },
  'io.k8s.api.autoscaling.v1.ScaleStatus': {
    description: 'ScaleStatus represents the current status of a scale subresource.', type: 'object', required: ['replicas'],
    properties: { replicas: { ...int('The actual number of observed instances of the scaled object.', 'int32'), default: 0 }, selector: str('The label query over pods that should match the replicas count, in the serialized form of a label selector.') },
  },
};
