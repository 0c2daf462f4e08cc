// core/v1 Volume with every volume source, projections, and PersistentVolumeClaim (StatefulSet templates).
// Field numbers: k8s.io/api core/v1 generated.proto (read from kubernetes/kubernetes
// staging/src/k8s.io/api/core/v1/generated.proto, commit 0032f46b, the 1.35 line); the `(go)` options
// follow the json tags of core/v1 types.go (see protobuf-json.ts). Comments stripped.
export const CORE_VOLUMES_PROTO = `
package core;
message AWSElasticBlockStoreVolumeSource {
  optional string volumeID = 1 [(go) = "required"];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}
message AzureDiskVolumeSource {
  optional string diskName = 1 [(go) = "required"];
  optional string diskURI = 2 [(go) = "required"];
  optional string cachingMode = 3 [(go) = "ptr"];
  optional string fsType = 4 [(go) = "ptr"];
  optional bool readOnly = 5 [(go) = "ptr"];
  optional string kind = 6 [(go) = "ptr"];
}
message AzureFileVolumeSource {
  optional string secretName = 1 [(go) = "required"];
  optional string shareName = 2 [(go) = "required"];
  optional bool readOnly = 3;
}
message CSIVolumeSource {
  optional string driver = 1 [(go) = "required"];
  optional bool readOnly = 2 [(go) = "ptr"];
  optional string fsType = 3 [(go) = "ptr"];
  map<string, string> volumeAttributes = 4;
  optional LocalObjectReference nodePublishSecretRef = 5;
}
message CephFSVolumeSource {
  repeated string monitors = 1 [(go) = "required"];
  optional string path = 2;
  optional string user = 3;
  optional string secretFile = 4;
  optional LocalObjectReference secretRef = 5;
  optional bool readOnly = 6;
}
message CinderVolumeSource {
  optional string volumeID = 1 [(go) = "required"];
  optional string fsType = 2;
  optional bool readOnly = 3;
  optional LocalObjectReference secretRef = 4;
}
message ClusterTrustBundleProjection {
  optional string name = 1 [(go) = "ptr"];
  optional string signerName = 2 [(go) = "ptr"];
  optional meta.LabelSelector labelSelector = 3;
  optional bool optional = 5 [(go) = "ptr"];
  optional string path = 4 [(go) = "required"];
}
message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(go) = "ptr"];
}
message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(go) = "ptr"];
  optional bool optional = 4 [(go) = "ptr"];
}
message DownwardAPIProjection {
  repeated DownwardAPIVolumeFile items = 1;
}
message DownwardAPIVolumeFile {
  optional string path = 1 [(go) = "required"];
  optional ObjectFieldSelector fieldRef = 2;
  optional ResourceFieldSelector resourceFieldRef = 3;
  optional int32 mode = 4 [(go) = "ptr"];
}
message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2 [(go) = "ptr"];
}
message EmptyDirVolumeSource {
  optional string medium = 1;
  optional resource.Quantity sizeLimit = 2;
}
message EphemeralVolumeSource {
  optional PersistentVolumeClaimTemplate volumeClaimTemplate = 1;
}
message FCVolumeSource {
  repeated string targetWWNs = 1;
  optional int32 lun = 2 [(go) = "ptr"];
  optional string fsType = 3;
  optional bool readOnly = 4;
  repeated string wwids = 5;
}
message FlexVolumeSource {
  optional string driver = 1 [(go) = "required"];
  optional string fsType = 2;
  optional LocalObjectReference secretRef = 3;
  optional bool readOnly = 4;
  map<string, string> options = 5;
}
message FlockerVolumeSource {
  optional string datasetName = 1;
  optional string datasetUUID = 2;
}
message GCEPersistentDiskVolumeSource {
  optional string pdName = 1 [(go) = "required"];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}
message GitRepoVolumeSource {
  optional string repository = 1 [(go) = "required"];
  optional string revision = 2;
  optional string directory = 3;
}
message GlusterfsVolumeSource {
  optional string endpoints = 1 [(go) = "required"];
  optional string path = 2 [(go) = "required"];
  optional bool readOnly = 3;
}
message HostPathVolumeSource {
  optional string path = 1 [(go) = "required"];
  optional string type = 2 [(go) = "ptr"];
}
message ISCSIVolumeSource {
  optional string targetPortal = 1 [(go) = "required"];
  optional string iqn = 2 [(go) = "required"];
  optional int32 lun = 3 [(go) = "required"];
  optional string iscsiInterface = 4;
  optional string fsType = 5;
  optional bool readOnly = 6;
  repeated string portals = 7;
  optional bool chapAuthDiscovery = 8;
  optional bool chapAuthSession = 11;
  optional LocalObjectReference secretRef = 10;
  optional string initiatorName = 12 [(go) = "ptr"];
}
message ImageVolumeSource {
  optional string reference = 1;
  optional string pullPolicy = 2;
}
message KeyToPath {
  optional string key = 1 [(go) = "required"];
  optional string path = 2 [(go) = "required"];
  optional int32 mode = 3 [(go) = "ptr"];
}
message ModifyVolumeStatus {
  optional string targetVolumeAttributesClassName = 1;
  optional string status = 2 [(go) = "required"];
}
message NFSVolumeSource {
  optional string server = 1 [(go) = "required"];
  optional string path = 2 [(go) = "required"];
  optional bool readOnly = 3;
}
message PersistentVolumeClaim {
  optional meta.ObjectMeta metadata = 1;
  optional PersistentVolumeClaimSpec spec = 2;
  optional PersistentVolumeClaimStatus status = 3;
}
message PersistentVolumeClaimCondition {
  optional string type = 1 [(go) = "required"];
  optional string status = 2 [(go) = "required"];
  optional meta.Time lastProbeTime = 3;
  optional meta.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message PersistentVolumeClaimSpec {
  repeated string accessModes = 1;
  optional meta.LabelSelector selector = 4;
  optional VolumeResourceRequirements resources = 2;
  optional string volumeName = 3;
  optional string storageClassName = 5 [(go) = "ptr"];
  optional string volumeMode = 6 [(go) = "ptr"];
  optional TypedLocalObjectReference dataSource = 7;
  optional TypedObjectReference dataSourceRef = 8;
  optional string volumeAttributesClassName = 9 [(go) = "ptr"];
}
message PersistentVolumeClaimStatus {
  optional string phase = 1;
  repeated string accessModes = 2;
  map<string, resource.Quantity> capacity = 3;
  repeated PersistentVolumeClaimCondition conditions = 4;
  map<string, resource.Quantity> allocatedResources = 5;
  map<string, string> allocatedResourceStatuses = 7;
  optional string currentVolumeAttributesClassName = 8 [(go) = "ptr"];
  optional ModifyVolumeStatus modifyVolumeStatus = 9;
}
message PersistentVolumeClaimTemplate {
  optional meta.ObjectMeta metadata = 1;
  optional PersistentVolumeClaimSpec spec = 2;
}
message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1 [(go) = "required"];
  optional bool readOnly = 2;
}
message PhotonPersistentDiskVolumeSource {
  optional string pdID = 1 [(go) = "required"];
  optional string fsType = 2;
}
message PodCertificateProjection {
  optional string signerName = 1;
  optional string keyType = 2;
  optional int32 maxExpirationSeconds = 3 [(go) = "ptr"];
  optional string credentialBundlePath = 4;
  optional string keyPath = 5;
  optional string certificateChainPath = 6;
  map<string, string> userAnnotations = 7;
}
message PortworxVolumeSource {
  optional string volumeID = 1 [(go) = "required"];
  optional string fsType = 2;
  optional bool readOnly = 3;
}
message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1 [(go) = "required"];
  optional int32 defaultMode = 2 [(go) = "ptr"];
}
message QuobyteVolumeSource {
  optional string registry = 1 [(go) = "required"];
  optional string volume = 2 [(go) = "required"];
  optional bool readOnly = 3;
  optional string user = 4;
  optional string group = 5;
  optional string tenant = 6;
}
message RBDVolumeSource {
  repeated string monitors = 1 [(go) = "required"];
  optional string image = 2 [(go) = "required"];
  optional string fsType = 3;
  optional string pool = 4;
  optional string user = 5;
  optional string keyring = 6;
  optional LocalObjectReference secretRef = 7;
  optional bool readOnly = 8;
}
message ScaleIOVolumeSource {
  optional string gateway = 1 [(go) = "required"];
  optional string system = 2 [(go) = "required"];
  optional LocalObjectReference secretRef = 3 [(go) = "required"];
  optional bool sslEnabled = 4;
  optional string protectionDomain = 5;
  optional string storagePool = 6;
  optional string storageMode = 7;
  optional string volumeName = 8;
  optional string fsType = 9;
  optional bool readOnly = 10;
}
message SecretProjection {
  optional LocalObjectReference localObjectReference = 1 [(go) = "inline"];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(go) = "ptr"];
}
message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(go) = "ptr"];
  optional bool optional = 4 [(go) = "ptr"];
}
message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2 [(go) = "ptr"];
  optional string path = 3 [(go) = "required"];
}
message StorageOSVolumeSource {
  optional string volumeName = 1;
  optional string volumeNamespace = 2;
  optional string fsType = 3;
  optional bool readOnly = 4;
  optional LocalObjectReference secretRef = 5;
}
message TypedLocalObjectReference {
  optional string apiGroup = 1 [(go) = "nullable"];
  optional string kind = 2 [(go) = "required"];
  optional string name = 3 [(go) = "required"];
}
message TypedObjectReference {
  optional string apiGroup = 1 [(go) = "nullable"];
  optional string kind = 2 [(go) = "required"];
  optional string name = 3 [(go) = "required"];
  optional string namespace = 4 [(go) = "ptr"];
}
message Volume {
  optional string name = 1 [(go) = "required"];
  optional VolumeSource volumeSource = 2 [(go) = "inline"];
}
message VolumeNodeAffinity {
  optional NodeSelector required = 1;
}
message VolumeProjection {
  optional SecretProjection secret = 1;
  optional DownwardAPIProjection downwardAPI = 2;
  optional ConfigMapProjection configMap = 3;
  optional ServiceAccountTokenProjection serviceAccountToken = 4;
  optional ClusterTrustBundleProjection clusterTrustBundle = 5;
  optional PodCertificateProjection podCertificate = 6;
}
message VolumeResourceRequirements {
  map<string, resource.Quantity> limits = 1;
  map<string, resource.Quantity> requests = 2;
}
message VolumeSource {
  optional HostPathVolumeSource hostPath = 1;
  optional EmptyDirVolumeSource emptyDir = 2;
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 3;
  optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 4;
  optional GitRepoVolumeSource gitRepo = 5;
  optional SecretVolumeSource secret = 6;
  optional NFSVolumeSource nfs = 7;
  optional ISCSIVolumeSource iscsi = 8;
  optional GlusterfsVolumeSource glusterfs = 9;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  optional RBDVolumeSource rbd = 11;
  optional FlexVolumeSource flexVolume = 12;
  optional CinderVolumeSource cinder = 13;
  optional CephFSVolumeSource cephfs = 14;
  optional FlockerVolumeSource flocker = 15;
  optional DownwardAPIVolumeSource downwardAPI = 16;
  optional FCVolumeSource fc = 17;
  optional AzureFileVolumeSource azureFile = 18;
  optional ConfigMapVolumeSource configMap = 19;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 20;
  optional QuobyteVolumeSource quobyte = 21;
  optional AzureDiskVolumeSource azureDisk = 22;
  optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 23;
  optional ProjectedVolumeSource projected = 26;
  optional PortworxVolumeSource portworxVolume = 24;
  optional ScaleIOVolumeSource scaleIO = 25;
  optional StorageOSVolumeSource storageos = 27;
  optional CSIVolumeSource csi = 28;
  optional EphemeralVolumeSource ephemeral = 29;
  optional ImageVolumeSource image = 30;
}
message VsphereVirtualDiskVolumeSource {
  optional string volumePath = 1 [(go) = "required"];
  optional string fsType = 2;
  optional string storagePolicyName = 3;
  optional string storagePolicyID = 4;
}
`;
