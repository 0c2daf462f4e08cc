{{/* Names, labels and the RBAC rules of the meshmq operator chart. */}}

{{- define "meshmq-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name: <release>-meshmq-operator, or the release name when it already says meshmq-operator. */}}
{{- define "meshmq-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "meshmq-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "meshmq-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meshmq-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "meshmq-operator.labels" -}}
helm.sh/chart: {{ include "meshmq-operator.chart" . }}
{{ include "meshmq-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meshmq
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "meshmq-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "meshmq-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "meshmq-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
What the operator does in the namespaces it watches, and nothing more: the request audit of the
end-to-end test (test/packaging/operator-chart-e2e.test.ts) checks that every request the operator
made is allowed by one of these rules and that every rule was used.
*/}}
{{- define "meshmq-operator.namespacedRules" -}}
# Its resource: read and watch every BrokerCluster, write their status.
- apiGroups: ["meshmq.io"]
  resources: ["brokerclusters"]
  verbs: ["list", "watch"]
- apiGroups: ["meshmq.io"]
  resources: ["brokerclusters/status"]
  verbs: ["update"]
# What a BrokerCluster owns, applied server-side (patch) when it differs from the desired state.
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["list", "watch", "patch"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["list", "watch", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "patch"]
# Secrets: the generated cookie and admin token are created once; users' Secrets (TLS, users,
# Redis URL) are read to render the broker configuration.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list", "watch", "create"]
# Broker pods: their IPs for the admin API, and autoheal deletes the minority side of a partition.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "delete"]
# Events about BrokerClusters (repeats are folded into one with a growing count).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.rbac.serviceMonitors }}
# The ServiceMonitor of a BrokerCluster that asks for one (monitoring.coreos.com, when installed).
- apiGroups: ["monitoring.coreos.com"]
  resources: ["servicemonitors"]
  verbs: ["list", "watch", "patch"]
{{- end }}
{{- end }}
