{{/* Chart name, overridable. */}}
{{- define "xwing.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix of every object: the release name, plus the chart name unless the release
name already contains it. Truncated to 57 so that "-redis" suffixes stay within 63.
*/}}
{{- define "xwing.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 57 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 57 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 57 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "xwing.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "xwing.redis.fullname" -}}
{{- printf "%s-redis" (include "xwing.fullname" .) }}
{{- end }}

{{- define "xwing.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
Recommended labels. Call with (dict "ctx" $ "component" "api"|"redis"|"test").
Redis objects carry the Redis version, the others the API's.
*/}}
{{- define "xwing.labels" -}}
helm.sh/chart: {{ include "xwing.chart" .ctx }}
{{ include "xwing.selectorLabels" . }}
{{- $version := include "xwing.imageTag" .ctx }}
{{- if eq .component "redis" }}
{{- $version = .ctx.Values.redis.image.tag }}
{{- end }}
app.kubernetes.io/version: {{ $version | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: xwing
{{- end }}

{{/* Labels that select the pods of one component; never changes across upgrades. */}}
{{- define "xwing.selectorLabels" -}}
app.kubernetes.io/name: {{ include "xwing.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "xwing.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "xwing.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Replicas that always exist: what decides whether a PodDisruptionBudget may be rendered. */}}
{{- define "xwing.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}
{{- .Values.autoscaling.minReplicas | int }}
{{- else }}
{{- .Values.replicaCount | int }}
{{- end }}
{{- end }}

{{/* The URL the API connects to, without credentials. */}}
{{- define "xwing.redisUrl" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s:%d" (include "xwing.redis.fullname" .) (.Values.redis.service.port | int) }}
{{- else if .Values.externalRedis.url }}
{{- .Values.externalRedis.url }}
{{- else if .Values.externalRedis.host }}
{{- printf "%s://%s:%d" (ternary "rediss" "redis" .Values.externalRedis.tls) .Values.externalRedis.host (.Values.externalRedis.port | int) }}
{{- else }}
{{- fail "redis.enabled is false: set externalRedis.url or externalRedis.host" }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the Redis password; empty when there is none. */}}
{{- define "xwing.redisSecretName" -}}
{{- if .Values.redis.enabled }}
{{- default (include "xwing.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- else if .Values.externalRedis.existingSecret }}
{{- .Values.externalRedis.existingSecret }}
{{- else if .Values.externalRedis.password }}
{{- printf "%s-external-redis" (include "xwing.fullname" .) }}
{{- end }}
{{- end }}

{{- define "xwing.redisSecretKey" -}}
{{- if .Values.redis.enabled }}
{{- .Values.redis.auth.existingSecretPasswordKey }}
{{- else if .Values.externalRedis.existingSecret }}
{{- .Values.externalRedis.existingSecretPasswordKey }}
{{- else }}
{{- "redis-password" }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the explicit value, or the app's shutdown delay plus its drain
timeout plus 5 s, so that Kubernetes never kills a pod that is still draining.
*/}}
{{- define "xwing.terminationGracePeriodSeconds" -}}
{{- if not (kindIs "invalid" .Values.terminationGracePeriodSeconds) }}
{{- .Values.terminationGracePeriodSeconds | int }}
{{- else }}
{{- $delay := .Values.config.SHUTDOWN_DELAY_MS | default 5000 | int }}
{{- $drain := .Values.config.SHUTDOWN_TIMEOUT_MS | default 10000 | int }}
{{- add (div (add $delay $drain 999) 1000) 5 }}
{{- end }}
{{- end }}

{{/* A config value as the string an environment variable carries (YAML numbers arrive as floats). */}}
{{- define "xwing.envValue" -}}
{{- if kindIs "float64" . }}
{{- . | int64 | toString }}
{{- else }}
{{- . | toString }}
{{- end }}
{{- end }}
