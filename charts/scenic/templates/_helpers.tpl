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

{{/* The namespace the operator watches: "" (every namespace) only with watchAllNamespaces. */}}
{{- define "scenic.watchNamespace" -}}
{{- if .Values.watchAllNamespaces -}}
{{- if .Values.watchNamespace }}{{ fail "set watchNamespace or watchAllNamespaces, not both" }}{{ end -}}
{{- else -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- end -}}
{{- end -}}

{{- define "scenic.postgresSecret" -}}
{{- default (printf "%s-postgres" (include "scenic.fullname" .)) .Values.postgres.existingSecret -}}
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
  resources: [services]
  verbs: [get, list, watch, create, patch]
# ConfigMaps: only to prune the <area>-sales-policy ConfigMap earlier releases wrote (ADR 0010).
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, delete]
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

{{/*
The Alertmanager configuration of alerting.*: routes by area and severity, each to a
receiver whose webhooks are the relay URLs of its robots, and the capacity ladder's
inhibitions (RED silences ORANGE and YELLOW of the same area-day, ORANGE silences YELLOW).
*/}}
{{- define "scenic.alertmanagerConfig" -}}
{{- $a := .Values.alerting -}}
{{- $auth := dict "type" "Bearer" -}}
{{- if $a.relay.tokenFile }}{{ $_ := set $auth "credentials_file" $a.relay.tokenFile }}{{ else }}{{ $_ := set $auth "credentials" $a.relay.token }}{{ end -}}
{{- $base := trimSuffix "/" $a.relay.url -}}
{{- $receivers := list -}}
{{- $routes := list -}}
{{- $all := list (dict "name" "scenic-default" "robots" $a.defaultRobots) -}}
{{- range $i, $r := $a.routes -}}
{{- if not $r.robots }}{{ fail (printf "alerting.routes[%d].robots: name at least one robot" $i) }}{{ end -}}
{{- $name := printf "scenic-route-%d" $i -}}
{{- $all = append $all (dict "name" $name "robots" $r.robots) -}}
{{- $m := list -}}
{{- if $r.areas }}{{ $m = append $m (printf "area=~%q" (join "|" $r.areas)) }}{{ end -}}
{{- if $r.severities }}{{ $m = append $m (printf "severity=~%q" (join "|" $r.severities)) }}{{ end -}}
{{- $routes = append $routes (dict "receiver" $name "matchers" $m "continue" (default false $r.continue)) -}}
{{- end -}}
{{- range $rc := $all -}}
{{- $webhooks := list -}}
{{- range $robot := $rc.robots -}}
{{- $webhooks = append $webhooks (dict "url" (printf "%s/%s" $base $robot) "send_resolved" $a.sendResolved "max_alerts" $a.maxAlerts "http_config" (dict "authorization" $auth)) -}}
{{- end -}}
{{- $receivers = append $receivers (dict "name" $rc.name "webhook_configs" $webhooks) -}}
{{- end -}}
{{- $inhibit := list -}}
{{- if $a.inhibitCapacityLevels -}}
{{- $inhibit = append $inhibit (dict "source_matchers" (list "alertname=\"ScenicCapacityRed\"") "target_matchers" (list "alertname=~\"ScenicCapacityOrange|ScenicCapacityYellow\"") "equal" (list "area" "day")) -}}
{{- $inhibit = append $inhibit (dict "source_matchers" (list "alertname=\"ScenicCapacityOrange\"") "target_matchers" (list "alertname=\"ScenicCapacityYellow\"") "equal" (list "area" "day")) -}}
{{- end -}}
{{- $inhibit = concat $inhibit ($a.inhibitRules | default list) -}}
{{- $route := dict "receiver" "scenic-default" "group_by" $a.groupBy "group_wait" $a.groupWait "group_interval" $a.groupInterval "repeat_interval" $a.repeatInterval -}}
{{- if $routes }}{{ $_ := set $route "routes" $routes }}{{ end -}}
{{- $cfg := dict "global" (dict "resolve_timeout" $a.resolveTimeout) "route" $route "receivers" $receivers -}}
{{- if $inhibit }}{{ $_ := set $cfg "inhibit_rules" $inhibit }}{{ end -}}
{{- toYaml $cfg -}}
{{- end -}}
