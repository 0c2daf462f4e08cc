// core/v1 Container and what hangs off it: env, probes, lifecycle, resources, security context, mounts.
// Field numbers: k8s.io/api core/v1 generated.proto (read from kubernetes/kubernetes
// staging/src/k8s.io/api/core/v1/generated.proto, commit 0032f46b, the 1.35 line); the `(go)` options
// follow the json tags of core/v1 types.go (see protobuf-json.ts). Comments stripped.
export const CORE_CONTAINERS_PROTO = `
package core;
message AppArmorProfile {
  optional string type = 1 [(go) = "required"];
  optional string localhostProfile = 2 [(go) = "ptr"];
}
message Capabilities {
  repeated string add = 1;
  repeated string drop = 2;
}
message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  optional bool optional = 2 [(go) = "ptr"];
}
message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  optional string key = 2 [(go) = "required"];
  optional bool optional = 3 [(go) = "ptr"];
}
message Container {
  optional string name = 1 [(go) = "required"];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(go) = "ptr"];
  repeated ContainerRestartRule restartPolicyRules = 25;
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Probe startupProbe = 22;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string terminationMessagePolicy = 20;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
}
message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3 [(go) = "required"];
  optional string protocol = 4;
  optional string hostIP = 5;
}
message ContainerResizePolicy {
  optional string resourceName = 1 [(go) = "required"];
  optional string restartPolicy = 2 [(go) = "required"];
}
message ContainerRestartRule {
  optional string action = 1;
  optional ContainerRestartRuleOnExitCodes exitCodes = 2;
}
message ContainerRestartRuleOnExitCodes {
  optional string operator = 1;
  repeated int32 values = 2;
}
message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2;
  optional SecretEnvSource secretRef = 3;
}
message EnvVar {
  optional string name = 1 [(go) = "required"];
  optional string value = 2;
  optional EnvVarSource valueFrom = 3;
}
message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1;
  optional ResourceFieldSelector resourceFieldRef = 2;
  optional ConfigMapKeySelector configMapKeyRef = 3;
  optional SecretKeySelector secretKeyRef = 4;
  optional FileKeySelector fileKeyRef = 5;
}
message EphemeralContainer {
  optional EphemeralContainerCommon ephemeralContainerCommon = 1 [(go) = "inline"];
  optional string targetContainerName = 2;
}
message EphemeralContainerCommon {
  optional string name = 1 [(go) = "required"];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(go) = "ptr"];
  repeated ContainerRestartRule restartPolicyRules = 25;
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Probe startupProbe = 22;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string terminationMessagePolicy = 20;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
}
message ExecAction {
  repeated string command = 1;
}
message FileKeySelector {
  optional string volumeName = 1 [(go) = "required"];
  optional string path = 2 [(go) = "required"];
  optional string key = 3 [(go) = "required"];
  optional bool optional = 4 [(go) = "ptr"];
}
message GRPCAction {
  optional int32 port = 1 [(go) = "required"];
  optional string service = 2 [(go) = "ptr"];
}
message HTTPGetAction {
  optional string path = 1;
  optional intstr.IntOrString port = 2;
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}
message HTTPHeader {
  optional string name = 1 [(go) = "required"];
  optional string value = 2 [(go) = "required"];
}
message Lifecycle {
  optional LifecycleHandler postStart = 1;
  optional LifecycleHandler preStop = 2;
  optional string stopSignal = 3 [(go) = "ptr"];
}
message LifecycleHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional SleepAction sleep = 4;
}
message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2 [(go) = "required"];
}
message Probe {
  optional ProbeHandler handler = 1 [(go) = "inline"];
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7 [(go) = "ptr"];
}
message ProbeHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional GRPCAction grpc = 4;
}
message ResourceClaim {
  optional string name = 1 [(go) = "required"];
  optional string request = 2;
}
message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2 [(go) = "required"];
  optional resource.Quantity divisor = 3;
}
message ResourceRequirements {
  map<string, resource.Quantity> limits = 1;
  map<string, resource.Quantity> requests = 2;
  repeated ResourceClaim claims = 3;
}
message SELinuxOptions {
  optional string user = 1;
  optional string role = 2;
  optional string type = 3;
  optional string level = 4;
}
message SeccompProfile {
  optional string type = 1 [(go) = "required"];
  optional string localhostProfile = 2 [(go) = "ptr"];
}
message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  optional bool optional = 2 [(go) = "ptr"];
}
message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  optional string key = 2 [(go) = "required"];
  optional bool optional = 3 [(go) = "ptr"];
}
message SecurityContext {
  optional Capabilities capabilities = 1;
  optional bool privileged = 2 [(go) = "ptr"];
  optional SELinuxOptions seLinuxOptions = 3;
  optional WindowsSecurityContextOptions windowsOptions = 10;
  optional int64 runAsUser = 4 [(go) = "ptr"];
  optional int64 runAsGroup = 8 [(go) = "ptr"];
  optional bool runAsNonRoot = 5 [(go) = "ptr"];
  optional bool readOnlyRootFilesystem = 6 [(go) = "ptr"];
  optional bool allowPrivilegeEscalation = 7 [(go) = "ptr"];
  optional string procMount = 9 [(go) = "ptr"];
  optional SeccompProfile seccompProfile = 11;
  optional AppArmorProfile appArmorProfile = 12;
  repeated Ulimit ulimits = 13;
}
message SleepAction {
  optional int64 seconds = 1 [(go) = "required"];
}
message TCPSocketAction {
  optional intstr.IntOrString port = 1;
  optional string host = 2;
}
message Ulimit {
  optional string name = 1 [(go) = "required"];
  optional int64 hard = 2 [(go) = "required"];
  optional int64 soft = 3 [(go) = "required"];
}
message VolumeDevice {
  optional string name = 1 [(go) = "required"];
  optional string devicePath = 2 [(go) = "required"];
}
message VolumeMount {
  optional string name = 1 [(go) = "required"];
  optional bool readOnly = 2;
  optional string recursiveReadOnly = 7 [(go) = "ptr"];
  optional string mountPath = 3 [(go) = "required"];
  optional string subPath = 4;
  optional string mountPropagation = 5 [(go) = "ptr"];
  optional string subPathExpr = 6;
}
message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1 [(go) = "ptr"];
  optional string gmsaCredentialSpec = 2 [(go) = "ptr"];
  optional string runAsUserName = 3 [(go) = "ptr"];
  optional bool hostProcess = 4 [(go) = "ptr"];
}
`;
