{{/*
Helpers shared by every template. The chart's one idea: `crm.workloads` turns the values
into a flat list of workloads (lead-api, lead-worker, ..., gateway), each carrying its
merged service-level settings (`svc`) and process-level settings (`proc`). Every template
ranges over that list, so no manifest is written once per service.
*/}}

{{- define "crm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The workloads of the release as YAML `items: [...]`; read with
`(include "crm.workloads" . | fromYaml).items`. Maps merge key by key over the defaults;
lists and scalars replace them.
*/}}
{{- define "crm.workloads" -}}
{{- $base := omit .Values.defaults "api" "worker" -}}
{{- $items := list -}}
{{- range $name, $raw := .Values.services -}}
{{- $svc := mergeOverwrite (deepCopy $base) (deepCopy (omit $raw "api" "worker")) -}}
{{- if $svc.enabled -}}
{{- range $process := list "api" "worker" -}}
{{- $own := index $raw $process | default dict -}}
{{- $proc := mergeOverwrite (deepCopy (index $.Values.defaults $process)) (deepCopy $own) -}}
{{- $items = append $items (dict "name" $name "process" $process "component" (printf "%s-%s" $name $process) "svc" $svc "proc" $proc) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.gateway.enabled -}}
{{- $gw := mergeOverwrite (deepCopy $base) (deepCopy .Values.gateway) -}}
{{- $items = append $items (dict "name" "gateway" "process" "gateway" "component" "gateway" "svc" $gw "proc" $gw) -}}
{{- end -}}
{{- toYaml (dict "items" $items) -}}
{{- end -}}

{{/* Names of the enabled services, sorted. */}}
{{- define "crm.enabledServices" -}}
{{- $names := list -}}
{{- range $name, $raw := .Values.services -}}
{{- if (mergeOverwrite (dict "enabled" $.Values.defaults.enabled) (pick $raw "enabled")).enabled -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{/* Object name of a workload's own resources: <fullname>-<component>. Context: dict root w. */}}
{{- define "crm.resourceName" -}}
{{- printf "%s-%s" (include "crm.fullname" .root) .w.component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name shared by a service's api and worker: its ServiceAccount and ConfigMap. */}}
{{- define "crm.serviceName" -}}
{{- printf "%s-%s" (include "crm.fullname" .root) .w.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "crm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crm.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .w.component }}
{{- end -}}

{{/* Labels of a workload's objects. Context: dict root w. */}}
{{- define "crm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "crm.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: crm
crm/service: {{ .w.name }}
{{- with .w.process }}
crm/process: {{ . }}
{{- end }}
{{- end -}}

{{/* Context for objects a service's api and worker share (labelled by service only). */}}
{{- define "crm.sharedContext" -}}
{{- toYaml (dict "name" .w.name "component" .w.name "process" "") -}}
{{- end -}}

{{/* Labels of release-wide objects (the PodMonitor). */}}
{{- define "crm.releaseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "crm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crm
{{- end -}}

{{/* Pod selector of another workload of this release, by component. Context: dict root component. */}}
{{- define "crm.peerSelector" -}}
matchLabels:
  app.kubernetes.io/name: {{ include "crm.name" .root }}
  app.kubernetes.io/instance: {{ .root.Release.Name }}
  app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image reference: [registry/]repository[:tag][@digest]. */}}
{{- define "crm.image" -}}
{{- $img := .w.svc.image | default dict -}}
{{- $ref := $img.repository | default (printf "crm-%s" .w.name) -}}
{{- with .root.Values.image.registry -}}
{{- $ref = printf "%s/%s" (trimSuffix "/" .) $ref -}}
{{- end -}}
{{- $tag := $img.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $tag -}}
{{- $ref = printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- with $img.digest -}}
{{- $ref = printf "%s@%s" $ref . -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/* gRPC address of a service's api inside the namespace. Context: dict root name. */}}
{{- define "crm.apiAddress" -}}
{{- printf "%s-%s-api:%d" (include "crm.fullname" .root) .name (int .root.Values.ports.grpc) -}}
{{- end -}}

{{/*
The non-secret settings of one service (its ConfigMap data); api and worker share them.
Context: dict root w (the api or gateway workload).
*/}}
{{- define "crm.configData" -}}
{{- $root := .root -}}
{{- $svc := .w.svc -}}
{{- $data := dict
  "CRM_LOG_LEVEL" $svc.logLevel
  "CRM_METRICS_PORT" (toString (int $root.Values.ports.metrics))
  "CRM_SHUTDOWN_GRACE_SECONDS" (toString $svc.shutdownGraceSeconds)
-}}
{{- if eq .w.process "gateway" -}}
{{- $_ := set $data "CRM_HTTP_PORT" (toString (int $root.Values.ports.http)) -}}
{{- range $name := include "crm.enabledServices" $root | fromJsonArray -}}
{{- $_ := set $data (printf "CRM_%s_ADDR" (upper $name)) (include "crm.apiAddress" (dict "root" $root "name" $name)) -}}
{{- end -}}
{{- else -}}
{{- $_ := set $data "CRM_GRPC_PORT" (toString (int $root.Values.ports.grpc)) -}}
{{- $_ := set $data "CRM_MONGO_DB" ($svc.mongoDatabase | default (printf "crm_%s" .w.name)) -}}
{{- $enabled := include "crm.enabledServices" $root | fromJsonArray -}}
{{- range $callee := $svc.calls -}}
{{- if not (has $callee $enabled) -}}
{{- fail (printf "services.%s.calls names %q, which is not an enabled service (enabled: %s)" $.w.name $callee (join ", " $enabled)) -}}
{{- end -}}
{{- $_ := set $data (printf "CRM_%s_ADDR" (upper $callee)) (include "crm.apiAddress" (dict "root" $root "name" $callee)) -}}
{{- end -}}
{{- end -}}
{{- with $svc.otlpEndpoint -}}
{{- $_ := set $data "OTEL_EXPORTER_OTLP_ENDPOINT" . -}}
{{- end -}}
{{- range $key, $value := $svc.env -}}
{{- $_ := set $data $key (toString $value) -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/* Pod-level scheduling: topology spread and the optional anti-affinity. */}}
{{- define "crm.scheduling" -}}
{{- $sched := .root.Values.scheduling -}}
{{- $selector := include "crm.selectorLabels" . | fromYaml -}}
{{- with .w.proc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .w.proc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if ne $sched.podAntiAffinity "none" }}
{{- $term := dict "topologyKey" $sched.antiAffinityTopologyKey "labelSelector" (dict "matchLabels" $selector) }}
affinity:
  podAntiAffinity:
    {{- if eq $sched.podAntiAffinity "required" }}
    requiredDuringSchedulingIgnoredDuringExecution:
      - {{- toYaml $term | nindent 8 }}
    {{- else }}
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          {{- toYaml $term | nindent 10 }}
    {{- end }}
{{- end }}
{{- with $sched.topologySpread }}
{{- $constraints := list }}
{{- range . }}
{{- $constraints = append $constraints (merge (dict "labelSelector" (dict "matchLabels" $selector) "matchLabelKeys" (list "pod-template-hash")) .) }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $constraints | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Probe timings from values (the handler is chosen by the template). */}}
{{- define "crm.probeTiming" -}}
periodSeconds: {{ int (.periodSeconds | default 10) }}
failureThreshold: {{ int (.failureThreshold | default 3) }}
timeoutSeconds: {{ int (.timeoutSeconds | default 2) }}
{{- with .initialDelaySeconds }}
initialDelaySeconds: {{ int . }}
{{- end }}
{{- end -}}
