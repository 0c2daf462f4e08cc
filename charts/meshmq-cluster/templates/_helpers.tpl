{{/* Names and labels of the meshmq-cluster chart. */}}

{{/* The BrokerCluster's name: nameOverride, else the release name (its pods are <name>-0, <name>-1...). */}}
{{- define "meshmq-cluster.name" -}}
{{- default .Release.Name .Values.nameOverride | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "meshmq-cluster.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meshmq
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
