// The other built-in groups the emulator serves: policy/v1 PodDisruptionBudget, rbac.authorization.k8s.io/v1,
// coordination.k8s.io/v1 Lease, discovery.k8s.io/v1 EndpointSlice, events.k8s.io/v1 Event, autoscaling/v1
// Scale. Field numbers: each group's k8s.io/api generated.proto (coordination 1672e6d6, discovery 025f2834
// plus forNodes = 2 of 1.33, events 0a893867); policy and rbac checked against kubectl 1.32's bodies (fixtures/).
export const POLICY_PROTO = `
package policy;
message PodDisruptionBudget {
  optional meta.ObjectMeta metadata = 1;
  optional PodDisruptionBudgetSpec spec = 2;
  optional PodDisruptionBudgetStatus status = 3;
}
message PodDisruptionBudgetSpec {
  optional intstr.IntOrString minAvailable = 1;
  optional meta.LabelSelector selector = 2;
  optional intstr.IntOrString maxUnavailable = 3;
  optional string unhealthyPodEvictionPolicy = 4 [(go) = "ptr"];
}
message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, meta.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(go) = "required"];
  optional int32 currentHealthy = 4 [(go) = "required"];
  optional int32 desiredHealthy = 5 [(go) = "required"];
  optional int32 expectedPods = 6 [(go) = "required"];
  repeated meta.Condition conditions = 7;
}
`;

export const RBAC_PROTO = `
package rbac;
message AggregationRule {
  repeated meta.LabelSelector clusterRoleSelectors = 1;
}
message ClusterRole {
  optional meta.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(go) = "required"];
  optional AggregationRule aggregationRule = 3;
}
message ClusterRoleBinding {
  optional meta.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}
message PolicyRule {
  repeated string verbs = 1 [(go) = "required"];
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}
message Role {
  optional meta.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(go) = "required"];
}
message RoleBinding {
  optional meta.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}
message RoleRef {
  optional string apiGroup = 1 [(go) = "required"];
  optional string kind = 2 [(go) = "required"];
  optional string name = 3 [(go) = "required"];
}
message Subject {
  optional string kind = 1 [(go) = "required"];
  optional string apiGroup = 2;
  optional string name = 3 [(go) = "required"];
  optional string namespace = 4;
}
`;

export const COORDINATION_PROTO = `
package coordination;
message Lease {
  optional meta.ObjectMeta metadata = 1;
  optional LeaseSpec spec = 2;
}
message LeaseSpec {
  optional string holderIdentity = 1 [(go) = "ptr"];
  optional int32 leaseDurationSeconds = 2 [(go) = "ptr"];
  optional meta.MicroTime acquireTime = 3;
  optional meta.MicroTime renewTime = 4;
  optional int32 leaseTransitions = 5 [(go) = "ptr"];
  optional string strategy = 6 [(go) = "ptr"];
  optional string preferredHolder = 7 [(go) = "ptr"];
}
`;

export const DISCOVERY_PROTO = `
package discovery;
message Endpoint {
  repeated string addresses = 1 [(go) = "required"];
  optional EndpointConditions conditions = 2;
  optional string hostname = 3 [(go) = "ptr"];
  optional core.ObjectReference targetRef = 4;
  map<string, string> deprecatedTopology = 5;
  optional string nodeName = 6 [(go) = "ptr"];
  optional string zone = 7 [(go) = "ptr"];
  optional EndpointHints hints = 8;
}
message EndpointConditions {
  optional bool ready = 1 [(go) = "ptr"];
  optional bool serving = 2 [(go) = "ptr"];
  optional bool terminating = 3 [(go) = "ptr"];
}
message EndpointHints {
  repeated ForZone forZones = 1;
  repeated ForNode forNodes = 2;
}
message EndpointPort {
  optional string name = 1 [(go) = "ptr"];
  optional string protocol = 2 [(go) = "ptr"];
  optional int32 port = 3 [(go) = "ptr"];
  optional string appProtocol = 4 [(go) = "ptr"];
}
message EndpointSlice {
  optional meta.ObjectMeta metadata = 1;
  optional string addressType = 4 [(go) = "required"];
  repeated Endpoint endpoints = 2 [(go) = "required"];
  repeated EndpointPort ports = 3 [(go) = "required"];
}
message ForNode {
  optional string name = 1 [(go) = "required"];
}
message ForZone {
  optional string name = 1 [(go) = "required"];
}
`;

export const EVENTS_PROTO = `
package events;
message Event {
  optional meta.ObjectMeta metadata = 1;
  optional meta.MicroTime eventTime = 2;
  optional EventSeries series = 3;
  optional string reportingController = 4;
  optional string reportingInstance = 5;
  optional string action = 6;
  optional string reason = 7;
  optional core.ObjectReference regarding = 8;
  optional core.ObjectReference related = 9;
  optional string note = 10;
  optional string type = 11;
  optional core.EventSource deprecatedSource = 12;
  optional meta.Time deprecatedFirstTimestamp = 13;
  optional meta.Time deprecatedLastTimestamp = 14;
  optional int32 deprecatedCount = 15;
}
message EventSeries {
  optional int32 count = 1 [(go) = "required"];
  optional meta.MicroTime lastObservedTime = 2;
}
`;

export const AUTOSCALING_PROTO = `
package autoscaling;
message Scale {
  optional meta.ObjectMeta metadata = 1;
  optional ScaleSpec spec = 2;
  optional ScaleStatus status = 3;
}
message ScaleSpec {
  optional int32 replicas = 1;
}
message ScaleStatus {
  optional int32 replicas = 1 [(go) = "required"];
  optional string selector = 2;
}
`;

/** authentication.k8s.io/v1 TokenRequest (`kubectl create token`). Field numbers: k8s.io/api authentication/v1 generated.proto. */
export const AUTHENTICATION_PROTO = `
package authentication;
message BoundObjectReference {
  optional string kind = 1;
  optional string apiVersion = 2;
  optional string name = 3;
  optional string uid = 4;
}
message TokenRequest {
  optional meta.ObjectMeta metadata = 1;
  optional TokenRequestSpec spec = 2;
  optional TokenRequestStatus status = 3;
}
message TokenRequestSpec {
  repeated string audiences = 1 [(go) = "required"];
  optional int64 expirationSeconds = 4 [(go) = "nullable"];
  optional BoundObjectReference boundObjectRef = 3 [(go) = "nullable"];
}
message TokenRequestStatus {
  optional string token = 1 [(go) = "required"];
  optional meta.Time expirationTimestamp = 2 [(go) = "required"];
}
`;
