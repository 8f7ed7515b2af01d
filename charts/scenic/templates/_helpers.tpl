{{- define "scenic.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "scenic.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "scenic.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "scenic.selectorLabels" -}}
app.kubernetes.io/name: scenic-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "scenic.serviceAccountName" -}}
{{- default (include "scenic.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "scenic.redisSecret" -}}
{{- default (printf "%s-redis" (include "scenic.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}

{{/* The operator's rules on the resources it reconciles: exactly what it does, nothing more. */}}
{{- define "scenic.workloadRules" -}}
- apiGroups: [scenic.dev]
  resources: [scenicareas, saleswindows]
  verbs: [get, list, watch]
- apiGroups: [scenic.dev]
  resources: [scenicareas/status, saleswindows/status]
  verbs: [get, patch, update]
# Owner references with blockOwnerDeletion need this where OwnerReferencesPermissionEnforcement is on.
- apiGroups: [scenic.dev]
  resources: [scenicareas/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch]
# Gate DaemonSets of removed entrances are pruned.
- apiGroups: [apps]
  resources: [daemonsets]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, patch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, patch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
