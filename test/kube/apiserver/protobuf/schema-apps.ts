// apps/v1 Deployment, ReplicaSet, StatefulSet and ControllerRevision. Field numbers: k8s.io/api apps/v1 generated.proto
// (kubernetes/kubernetes staging/src/k8s.io/api/apps/v1/generated.proto, commit 0122c43a); `(go)` options
// from apps/v1 types.go.
export const APPS_PROTO = `
package apps;
message ControllerRevision {
  optional meta.ObjectMeta metadata = 1;
  optional runtime.RawExtension data = 2;
  optional int64 revision = 3 [(go) = "required"];
}
message Deployment {
  optional meta.ObjectMeta metadata = 1;
  optional DeploymentSpec spec = 2;
  optional DeploymentStatus status = 3;
}
message DeploymentCondition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastUpdateTime = 6;
  optional meta.Time lastTransitionTime = 7;
  optional string reason = 4;
  optional string message = 5;
}
message DeploymentSpec {
  optional int32 replicas = 1 [(go) = "ptr"];
  optional meta.LabelSelector selector = 2 [(go) = "nullable"];
  optional core.PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6 [(go) = "ptr"];
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9 [(go) = "ptr"];
  optional string podReplacementPolicy = 10 [(go) = "ptr"];
}
message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 readyReplicas = 7;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  optional int32 terminatingReplicas = 9 [(go) = "ptr"];
  repeated DeploymentCondition conditions = 6;
  optional int32 collisionCount = 8 [(go) = "ptr"];
}
message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2;
}
message ReplicaSet {
  optional meta.ObjectMeta metadata = 1;
  optional ReplicaSetSpec spec = 2;
  optional ReplicaSetStatus status = 3;
}
message ReplicaSetCondition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
message ReplicaSetSpec {
  optional int32 replicas = 1 [(go) = "ptr"];
  optional int32 minReadySeconds = 4;
  optional meta.LabelSelector selector = 2 [(go) = "nullable"];
  optional core.PodTemplateSpec template = 3;
}
message ReplicaSetStatus {
  optional int32 replicas = 1 [(go) = "required"];
  optional int32 fullyLabeledReplicas = 2;
  optional int32 readyReplicas = 4;
  optional int32 availableReplicas = 5;
  optional int32 terminatingReplicas = 7 [(go) = "ptr"];
  optional int64 observedGeneration = 3;
  repeated ReplicaSetCondition conditions = 6;
}
message RollingUpdateDeployment {
  optional intstr.IntOrString maxUnavailable = 1;
  optional intstr.IntOrString maxSurge = 2;
}
message RollingUpdateStatefulSetStrategy {
  optional int32 partition = 1 [(go) = "ptr"];
  optional intstr.IntOrString maxUnavailable = 2;
}
message StatefulSet {
  optional meta.ObjectMeta metadata = 1;
  optional StatefulSetSpec spec = 2;
  optional StatefulSetStatus status = 3;
}
message StatefulSetCondition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
message StatefulSetOrdinals {
  optional int32 start = 1 [(go) = "required"];
}
message StatefulSetPersistentVolumeClaimRetentionPolicy {
  optional string whenDeleted = 1;
  optional string whenScaled = 2;
}
message StatefulSetSpec {
  optional int32 replicas = 1 [(go) = "ptr"];
  optional meta.LabelSelector selector = 2 [(go) = "nullable"];
  optional core.PodTemplateSpec template = 3;
  repeated core.PersistentVolumeClaim volumeClaimTemplates = 4;
  optional string serviceName = 5;
  optional string podManagementPolicy = 6;
  optional StatefulSetUpdateStrategy updateStrategy = 7;
  optional int32 revisionHistoryLimit = 8 [(go) = "ptr"];
  optional int32 minReadySeconds = 9;
  optional StatefulSetPersistentVolumeClaimRetentionPolicy persistentVolumeClaimRetentionPolicy = 10;
  optional StatefulSetOrdinals ordinals = 11;
}
message StatefulSetStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2 [(go) = "required"];
  optional int32 readyReplicas = 3;
  optional int32 currentReplicas = 4;
  optional int32 updatedReplicas = 5;
  optional string currentRevision = 6;
  optional string updateRevision = 7;
  optional int32 collisionCount = 9 [(go) = "ptr"];
  repeated StatefulSetCondition conditions = 10;
  optional int32 availableReplicas = 11 [(go) = "required"];
}
message StatefulSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateStatefulSetStrategy rollingUpdate = 2;
}
`;
