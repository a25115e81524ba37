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

{{/* True ("true") when the chart runs Redis with replicas and Sentinels; empty otherwise. */}}
{{- define "xwing.redis.replicated" -}}
{{- if and .Values.redis.enabled (eq .Values.redis.architecture "replication") }}true{{ end }}
{{- end }}

{{/* The headless Service's domain: a Redis pod's stable DNS name is <pod>.<this>. */}}
{{- define "xwing.redis.podDomain" -}}
{{- printf "%s-headless.%s.svc.%s" (include "xwing.redis.fullname" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/*
"host:port,host:port,..." of every Redis pod, pod 0 first, by stable DNS name. Call with
(dict "ctx" $ "port" N).
*/}}
{{- define "xwing.redis.hostList" -}}
{{- $ctx := .ctx }}
{{- $hosts := list }}
{{- range $i := until ($ctx.Values.redis.replication.replicas | int) }}
{{- $hosts = append $hosts (printf "%s-%d.%s:%d" (include "xwing.redis.fullname" $ctx) $i (include "xwing.redis.podDomain" $ctx) ($.port | int)) }}
{{- end }}
{{- join "," $hosts }}
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

{{/*
The URL the API connects to, without credentials. With replication the app asks the Sentinels
(REDIS_SENTINELS) for the primary and takes only password, TLS and database from this URL; its
host then names the data pods' headless Service.
*/}}
{{- define "xwing.redisUrl" -}}
{{- if include "xwing.redis.replicated" . }}
{{- printf "redis://%s-headless:6379" (include "xwing.redis.fullname" .) }}
{{- else if .Values.redis.enabled }}
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

{{/*
A config value as the string an environment variable carries. YAML numbers arrive as floats:
whole ones are written without a fraction (3000, not 3e+03), others as they are (a ratio, 0.1).
*/}}
{{- define "xwing.envValue" -}}
{{- if and (kindIs "float64" .) (eq (. | int64 | float64) .) }}
{{- . | int64 | toString }}
{{- else }}
{{- . | toString }}
{{- end }}
{{- end }}

{{/*
Environment of the Redis pods' scripts that both containers share (files/redis/lib.sh lists
what each variable means). Addresses are stable DNS names, never pod IPs.
*/}}
{{- define "xwing.redis.scriptEnv" -}}
{{- $secret := include "xwing.redisSecretName" . -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .Values.redis.auth.existingSecretPasswordKey }}
# redis-cli reads the password from here, so `kubectl exec ... redis-cli` needs no -a.
- name: REDISCLI_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .Values.redis.auth.existingSecretPasswordKey }}
- name: LOCAL_HOST
  value: 127.0.0.1
- name: REDIS_PORT
  value: "6379"
{{- if include "xwing.redis.replicated" . }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: ANNOUNCE_HOST
  value: "$(POD_NAME).{{ include "xwing.redis.podDomain" . }}"
- name: REDIS_NODES
  value: {{ include "xwing.redis.hostList" (dict "ctx" . "port" 6379) | quote }}
- name: SENTINEL_NODES
  value: {{ include "xwing.redis.hostList" (dict "ctx" . "port" .Values.redis.sentinel.port) | quote }}
- name: SENTINEL_PORT
  value: {{ .Values.redis.sentinel.port | int | toString | quote }}
- name: SENTINEL_MASTER_NAME
  value: {{ .Values.redis.sentinel.masterName | quote }}
# How long a preStop may wait for the handover; the rest of the grace period is Redis's to stop.
- name: PRESTOP_TIMEOUT_SECONDS
  value: {{ sub (.Values.redis.terminationGracePeriodSeconds | int) 10 | toString | quote }}
{{- end }}
{{- end }}
