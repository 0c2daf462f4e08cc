// apimachinery's messages: meta/v1 (ObjectMeta, OwnerReference, managed fields, label selectors,
// Condition, DeleteOptions, Time), runtime (the Unknown envelope, RawExtension), resource.Quantity and
// intstr.IntOrString. Field numbers: k8s.io/apimachinery pkg/apis/meta/v1, pkg/runtime, pkg/api/resource and
// pkg/util/intstr generated.proto (stable since 1.x; managedFields 17, DeleteOptions 6 as upstream).
export const META_PROTO = `
package meta;
message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(go) = "ptr"];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message OwnerReference {
  optional string apiVersion = 5 [(go) = "required"];
  optional string kind = 1 [(go) = "required"];
  optional string name = 3 [(go) = "required"];
  optional string uid = 4 [(go) = "required"];
  optional bool controller = 6 [(go) = "ptr"];
  optional bool blockOwnerDeletion = 7 [(go) = "ptr"];
}
message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}
message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}
message LabelSelectorRequirement {
  optional string key = 1 [(go) = "required"];
  optional string operator = 2 [(go) = "required"];
  repeated string values = 3;
}
message Condition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4 [(go) = "required"];
  optional string reason = 5 [(go) = "required"];
  optional string message = 6 [(go) = "required"];
}
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(go) = "ptr"];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(go) = "ptr"];
  optional string propagationPolicy = 4 [(go) = "ptr"];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(go) = "ptr"];
}
message Preconditions {
  optional string uid = 1 [(go) = "ptr"];
  optional string resourceVersion = 2 [(go) = "ptr"];
}
// Special JSON forms (see protobuf-json.ts): RFC 3339 strings, null when zero.
message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}
message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}
// The raw JSON of a field set.
message FieldsV1 {
  optional bytes Raw = 1;
}
`;

export const RUNTIME_PROTO = `
package runtime;
// The envelope after the 4-byte magic (k8s and a NUL byte).
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}
// An embedded object, carried as its own encoded bytes (JSON in practice).
message RawExtension {
  optional bytes raw = 1;
}
`;

export const RESOURCE_PROTO = `
package resource;
// JSON: the string itself ("0" when empty).
message Quantity {
  optional string string = 1;
}
`;

export const INTSTR_PROTO = `
package intstr;
// JSON: intVal when type is 0, strVal when type is 1.
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;
