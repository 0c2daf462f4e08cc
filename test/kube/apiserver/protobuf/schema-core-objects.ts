// core/v1 top-level objects other than Pod: Namespace, Secret, ConfigMap, ServiceAccount, Service,
// Endpoints, Event, Binding, and the references they share.
// Field numbers: k8s.io/api core/v1 generated.proto (read from kubernetes/kubernetes
// staging/src/k8s.io/api/core/v1/generated.proto, commit 0032f46b, the 1.35 line); the `(go)` options
// follow the json tags of core/v1 types.go (see protobuf-json.ts). Comments stripped.
export const CORE_OBJECTS_PROTO = `
package core;
message Binding {
  optional meta.ObjectMeta metadata = 1;
  optional ObjectReference target = 2;
}
message ClientIPConfig {
  optional int32 timeoutSeconds = 1 [(go) = "ptr"];
}
message ConfigMap {
  optional meta.ObjectMeta metadata = 1;
  optional bool immutable = 4 [(go) = "ptr"];
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
}
message EndpointAddress {
  optional string ip = 1 [(go) = "required"];
  optional string hostname = 3;
  optional string nodeName = 4 [(go) = "ptr"];
  optional ObjectReference targetRef = 2;
}
message EndpointPort {
  optional string name = 1;
  optional int32 port = 2 [(go) = "required"];
  optional string protocol = 3;
  optional string appProtocol = 4 [(go) = "ptr"];
}
message EndpointSubset {
  repeated EndpointAddress addresses = 1;
  repeated EndpointAddress notReadyAddresses = 2;
  repeated EndpointPort ports = 3;
}
message Endpoints {
  optional meta.ObjectMeta metadata = 1;
  repeated EndpointSubset subsets = 2;
}
message Event {
  optional meta.ObjectMeta metadata = 1;
  optional ObjectReference involvedObject = 2;
  optional string reason = 3;
  optional string message = 4;
  optional EventSource source = 5;
  optional meta.Time firstTimestamp = 6;
  optional meta.Time lastTimestamp = 7;
  optional int32 count = 8;
  optional string type = 9;
  optional meta.MicroTime eventTime = 10;
  optional EventSeries series = 11;
  optional string action = 12;
  optional ObjectReference related = 13;
  optional string reportingComponent = 14 [(go) = "required"];
  optional string reportingInstance = 15 [(go) = "required"];
}
message EventSeries {
  optional int32 count = 1;
  optional meta.MicroTime lastObservedTime = 2;
}
message EventSource {
  optional string component = 1;
  optional string host = 2;
}
message LoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  optional string ipMode = 3 [(go) = "ptr"];
  repeated PortStatus ports = 4;
}
message LoadBalancerStatus {
  repeated LoadBalancerIngress ingress = 1;
}
message LocalObjectReference {
  optional string name = 1;
}
message Namespace {
  optional meta.ObjectMeta metadata = 1;
  optional NamespaceSpec spec = 2;
  optional NamespaceStatus status = 3;
}
message NamespaceCondition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message NamespaceSpec {
  repeated string finalizers = 1;
}
message NamespaceStatus {
  optional string phase = 1;
  repeated NamespaceCondition conditions = 2;
}
message ObjectReference {
  optional string kind = 1;
  optional string namespace = 2;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional string resourceVersion = 6;
  optional string fieldPath = 7;
}
message PortStatus {
  optional int32 port = 1 [(go) = "required"];
  optional string protocol = 2 [(go) = "required"];
  optional string error = 3 [(go) = "ptr"];
}
message Secret {
  optional meta.ObjectMeta metadata = 1;
  optional bool immutable = 5 [(go) = "ptr"];
  map<string, bytes> data = 2;
  map<string, string> stringData = 4;
  optional string type = 3;
}
message SecretReference {
  optional string name = 1;
  optional string namespace = 2;
}
message Service {
  optional meta.ObjectMeta metadata = 1;
  optional ServiceSpec spec = 2;
  optional ServiceStatus status = 3;
}
message ServiceAccount {
  optional meta.ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4 [(go) = "ptr"];
}
message ServicePort {
  optional string name = 1;
  optional string protocol = 2;
  optional string appProtocol = 6 [(go) = "ptr"];
  optional int32 port = 3 [(go) = "required"];
  optional intstr.IntOrString targetPort = 4;
  optional int32 nodePort = 5;
}
message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  optional string clusterIP = 3;
  repeated string clusterIPs = 18;
  optional string type = 4;
  repeated string externalIPs = 5;
  optional string sessionAffinity = 7;
  optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  optional string externalName = 10;
  optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12;
  optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14;
  repeated string ipFamilies = 19;
  optional string ipFamilyPolicy = 17 [(go) = "ptr"];
  optional bool allocateLoadBalancerNodePorts = 20 [(go) = "ptr"];
  optional string loadBalancerClass = 21 [(go) = "ptr"];
  optional string internalTrafficPolicy = 22 [(go) = "ptr"];
  optional string trafficDistribution = 23 [(go) = "ptr"];
}
message ServiceStatus {
  optional LoadBalancerStatus loadBalancer = 1;
  repeated meta.Condition conditions = 2;
}
message SessionAffinityConfig {
  optional ClientIPConfig clientIP = 1;
}
`;
