// core/v1 Pod, PodSpec (without containers and volumes), PodTemplateSpec, scheduling and PodStatus.
// Field numbers: k8s.io/api core/v1 generated.proto (read from kubernetes/kubernetes
// staging/src/k8s.io/api/core/v1/generated.proto, commit 0032f46b, the 1.35 line); the `(go)` options
// follow the json tags of core/v1 types.go (see protobuf-json.ts). Comments stripped.
export const CORE_POD_PROTO = `
package core;
message Affinity {
  optional NodeAffinity nodeAffinity = 1;
  optional PodAffinity podAffinity = 2;
  optional PodAntiAffinity podAntiAffinity = 3;
}
message ContainerExtendedResourceRequest {
  optional string containerName = 1 [(go) = "required"];
  optional string resourceName = 2 [(go) = "required"];
  optional string requestName = 3 [(go) = "required"];
}
message ContainerState {
  optional ContainerStateWaiting waiting = 1;
  optional ContainerStateRunning running = 2;
  optional ContainerStateTerminated terminated = 3;
}
message ContainerStateRunning {
  optional meta.Time startedAt = 1;
}
message ContainerStateTerminated {
  optional int32 exitCode = 1 [(go) = "required"];
  optional int32 signal = 2;
  optional string reason = 3;
  optional string message = 4;
  optional meta.Time startedAt = 5;
  optional meta.Time finishedAt = 6;
  optional string containerID = 7;
}
message ContainerStateWaiting {
  optional string reason = 1;
  optional string message = 2;
}
message ContainerStatus {
  optional string name = 1 [(go) = "required"];
  optional ContainerState state = 2;
  optional ContainerState lastState = 3;
  optional bool ready = 4 [(go) = "required"];
  optional int32 restartCount = 5 [(go) = "required"];
  optional string image = 6 [(go) = "required"];
  optional string imageID = 7 [(go) = "required"];
  optional string containerID = 8;
  optional bool started = 9 [(go) = "ptr"];
  map<string, resource.Quantity> allocatedResources = 10;
  optional ResourceRequirements resources = 11;
  repeated VolumeMountStatus volumeMounts = 12;
  optional ContainerUser user = 13;
  repeated ResourceStatus allocatedResourcesStatus = 14;
  optional string stopSignal = 15 [(go) = "ptr"];
}
message ContainerUser {
  optional LinuxContainerUser linux = 1;
}
message HostAlias {
  optional string ip = 1 [(go) = "required"];
  repeated string hostnames = 2;
}
message HostIP {
  optional string ip = 1 [(go) = "required"];
}
message ImageVolumeStatus {
  optional string imageRef = 1 [(go) = "required"];
}
message LinuxContainerUser {
  optional int64 uid = 1 [(go) = "required"];
  optional int64 gid = 2 [(go) = "required"];
  repeated int64 supplementalGroups = 3;
}
message NodeAffinity {
  optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message NodeSelector {
  repeated NodeSelectorTerm nodeSelectorTerms = 1 [(go) = "required"];
}
message NodeSelectorRequirement {
  optional string key = 1 [(go) = "required"];
  optional string operator = 2 [(go) = "required"];
  repeated string values = 3;
}
message NodeSelectorTerm {
  repeated NodeSelectorRequirement matchExpressions = 1;
  repeated NodeSelectorRequirement matchFields = 2;
}
message Pod {
  optional meta.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
  optional PodStatus status = 3;
}
message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodAffinityTerm {
  optional meta.LabelSelector labelSelector = 1;
  repeated string namespaces = 2;
  optional string topologyKey = 3 [(go) = "required"];
  optional meta.LabelSelector namespaceSelector = 4;
  repeated string matchLabelKeys = 5;
  repeated string mismatchLabelKeys = 6;
}
message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodCondition {
  optional string type = 1 [(go) = "required"];
  optional int64 observedGeneration = 7;
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastProbeTime = 3;
  optional meta.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message PodDNSConfig {
  repeated string nameservers = 1;
  repeated string searches = 2;
  repeated PodDNSConfigOption options = 3;
}
message PodDNSConfigOption {
  optional string name = 1;
  optional string value = 2 [(go) = "ptr"];
}
message PodExtendedResourceClaimStatus {
  repeated ContainerExtendedResourceRequest requestMappings = 1 [(go) = "required"];
  optional string resourceClaimName = 2 [(go) = "required"];
}
message PodIP {
  optional string ip = 1 [(go) = "required"];
}
message PodOS {
  optional string name = 1 [(go) = "required"];
}
message PodReadinessGate {
  optional string conditionType = 1 [(go) = "required"];
}
message PodResourceClaim {
  optional string name = 1 [(go) = "required"];
  optional string resourceClaimName = 3 [(go) = "ptr"];
  optional string resourceClaimTemplateName = 4 [(go) = "ptr"];
}
message PodResourceClaimStatus {
  optional string name = 1 [(go) = "required"];
  optional string resourceClaimName = 2 [(go) = "ptr"];
}
message PodSchedulingGate {
  optional string name = 1 [(go) = "required"];
}
message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1;
  optional WindowsSecurityContextOptions windowsOptions = 8;
  optional int64 runAsUser = 2 [(go) = "ptr"];
  optional int64 runAsGroup = 6 [(go) = "ptr"];
  optional bool runAsNonRoot = 3 [(go) = "ptr"];
  repeated int64 supplementalGroups = 4;
  optional string supplementalGroupsPolicy = 12 [(go) = "ptr"];
  optional int64 fsGroup = 5 [(go) = "ptr"];
  repeated Sysctl sysctls = 7;
  optional string fsGroupChangePolicy = 9 [(go) = "ptr"];
  optional SeccompProfile seccompProfile = 10;
  optional AppArmorProfile appArmorProfile = 11;
  optional string seLinuxChangePolicy = 13 [(go) = "ptr"];
}
message PodSpec {
  repeated Volume volumes = 1;
  repeated Container initContainers = 20;
  repeated Container containers = 2 [(go) = "required"];
  repeated EphemeralContainer ephemeralContainers = 34;
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4 [(go) = "ptr"];
  optional int64 activeDeadlineSeconds = 5 [(go) = "ptr"];
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional bool automountServiceAccountToken = 21 [(go) = "ptr"];
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional bool shareProcessNamespace = 27 [(go) = "ptr"];
  optional PodSecurityContext securityContext = 14;
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional Affinity affinity = 18;
  optional string schedulerName = 19;
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25 [(go) = "ptr"];
  optional PodDNSConfig dnsConfig = 26;
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29 [(go) = "ptr"];
  optional bool enableServiceLinks = 30 [(go) = "ptr"];
  optional string preemptionPolicy = 31 [(go) = "ptr"];
  map<string, resource.Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35 [(go) = "ptr"];
  optional PodOS os = 36;
  optional bool hostUsers = 37 [(go) = "ptr"];
  repeated PodSchedulingGate schedulingGates = 38;
  repeated PodResourceClaim resourceClaims = 39;
  optional ResourceRequirements resources = 40;
  optional string hostnameOverride = 41 [(go) = "ptr"];
  optional WorkloadReference workloadRef = 42;
}
message PodStatus {
  optional int64 observedGeneration = 17;
  optional string phase = 1;
  repeated PodCondition conditions = 2;
  optional string message = 3;
  optional string reason = 4;
  optional string nominatedNodeName = 11;
  optional string hostIP = 5;
  repeated HostIP hostIPs = 16;
  optional string podIP = 6;
  repeated PodIP podIPs = 12;
  optional meta.Time startTime = 7;
  repeated ContainerStatus initContainerStatuses = 10;
  repeated ContainerStatus containerStatuses = 8;
  optional string qosClass = 9;
  repeated ContainerStatus ephemeralContainerStatuses = 13;
  optional string resize = 14;
  repeated PodResourceClaimStatus resourceClaimStatuses = 15;
  optional PodExtendedResourceClaimStatus extendedResourceClaimStatus = 18;
  map<string, resource.Quantity> allocatedResources = 19;
  optional ResourceRequirements resources = 20;
}
message PodTemplateSpec {
  optional meta.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
}
message PreferredSchedulingTerm {
  optional int32 weight = 1 [(go) = "required"];
  optional NodeSelectorTerm preference = 2;
}
message ResourceHealth {
  optional string resourceID = 1 [(go) = "required"];
  optional string health = 2;
  optional string message = 6 [(go) = "ptr"];
}
message ResourceStatus {
  optional string name = 1 [(go) = "required"];
  repeated ResourceHealth resources = 2;
}
message Sysctl {
  optional string name = 1 [(go) = "required"];
  optional string value = 2 [(go) = "required"];
}
message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5 [(go) = "ptr"];
}
message TopologySpreadConstraint {
  optional int32 maxSkew = 1 [(go) = "required"];
  optional string topologyKey = 2 [(go) = "required"];
  optional string whenUnsatisfiable = 3 [(go) = "required"];
  optional meta.LabelSelector labelSelector = 4;
  optional int32 minDomains = 5 [(go) = "ptr"];
  optional string nodeAffinityPolicy = 6 [(go) = "ptr"];
  optional string nodeTaintsPolicy = 7 [(go) = "ptr"];
  repeated string matchLabelKeys = 8;
}
message VolumeMountStatus {
  optional string name = 1 [(go) = "required"];
  optional string mountPath = 2 [(go) = "required"];
  optional bool readOnly = 3;
  optional string recursiveReadOnly = 4 [(go) = "ptr"];
  optional VolumeStatus volumeStatus = 5;
}
message VolumeStatus {
  optional ImageVolumeStatus image = 1;
}
message WeightedPodAffinityTerm {
  optional int32 weight = 1 [(go) = "required"];
  optional PodAffinityTerm podAffinityTerm = 2;
}
message WorkloadReference {
  optional string name = 1 [(go) = "required"];
  optional string podGroup = 2 [(go) = "required"];
  optional string podGroupReplicaKey = 3;
}
`;
