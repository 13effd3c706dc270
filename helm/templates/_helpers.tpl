{{/* Names and labels, as `helm create` lays them out. */}}

{{- define "akeneo-consumer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's resource name, at most 63 characters (DNS label rules). */}}
{{- define "akeneo-consumer.fullname" -}}
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

{{- define "akeneo-consumer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "akeneo-consumer.labels" -}}
helm.sh/chart: {{ include "akeneo-consumer.chart" . }}
{{ include "akeneo-consumer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "akeneo-consumer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "akeneo-consumer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "akeneo-consumer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "akeneo-consumer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The full name plus "-SUFFIX", still at most 63 characters: (list . "SUFFIX"). */}}
{{- define "akeneo-consumer.suffixedName" -}}
{{- $suffix := index . 1 }}
{{- $room := sub 62 (len $suffix) | int }}
{{- printf "%s-%s" (include "akeneo-consumer.fullname" (index . 0) | trunc $room | trimSuffix "-") $suffix }}
{{- end }}

{{/* The Secret the Akeneo credentials come from: the user's, or the one this chart makes. */}}
{{- define "akeneo-consumer.akeneoSecretName" -}}
{{- default (include "akeneo-consumer.suffixedName" (list . "akeneo")) .Values.akeneo.existingSecret }}
{{- end }}

{{/* Values the service cannot start without, checked before anything is rendered. */}}
{{- define "akeneo-consumer.validate" -}}
{{- $_ := required "akeneo.host is required: the PIM's base URL, e.g. https://acme.cloud.akeneo.com" .Values.akeneo.host }}
{{- if not .Values.akeneo.existingSecret }}
{{- range $key := list "clientId" "clientSecret" "username" "password" }}
{{- $_ := required (printf "akeneo.credentials.%s is required unless akeneo.existingSecret names a Secret" $key) (index $.Values.akeneo.credentials $key) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.eventFormat "confluent-avro") (not .Values.schemaRegistryUrl) }}
{{- fail "schemaRegistryUrl is required when eventFormat is confluent-avro" }}
{{- end }}
{{- range $key, $_ := .Values.kafka.properties }}
{{- if has $key (list "bootstrap.servers" "group.id" "topic" "results.topic" "dlq.topic") }}
{{- fail (printf "kafka.properties.%s: set it through its own value (kafka.bootstrapServers, kafka.groupId, kafka.topic, ...)" $key) }}
{{- end }}
{{- end }}
{{- end }}

{{/* A number as the service parses it. Helm reads values files' numbers as float64, which
print as 1e+06 from 1000000; whole numbers go through int64 so they print in full. */}}
{{- define "akeneo-consumer.number" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* The release's series, for the alert rules: what the chart's ServiceMonitor labels them with. */}}
{{- define "akeneo-consumer.seriesSelector" -}}
{{- .Values.prometheusRule.selector | default (printf "namespace=%q, job=%q" .Release.Namespace (include "akeneo-consumer.suffixedName" (list . "metrics"))) }}
{{- end }}

{{/* KEDA's Kafka scaler settings from the service's own librdkafka properties: (sasl, tls). */}}
{{- define "akeneo-consumer.kedaSasl" -}}
{{- $props := .Values.kafka.properties }}
{{- $protocol := upper (toString (index $props "security.protocol" | default "PLAINTEXT")) }}
{{- if hasPrefix "SASL_" $protocol }}
{{- $mechanism := upper (toString (index $props "sasl.mechanism" | default (index $props "sasl.mechanisms") | default "GSSAPI")) }}
{{- $modes := dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512" }}
{{- if not (hasKey $modes $mechanism) }}
{{- fail (printf "keda.enabled: the chart gives KEDA a username and password, which SASL mechanism %s does not use; PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 do" $mechanism) }}
{{- end }}
{{- get $modes $mechanism }}
{{- else }}none{{ end }}
{{- end }}

{{- define "akeneo-consumer.kedaTls" -}}
{{- $protocol := upper (toString (index .Values.kafka.properties "security.protocol" | default "PLAINTEXT")) }}
{{- if has $protocol (list "SSL" "SASL_SSL") }}enable{{ else }}disable{{ end }}
{{- end }}
