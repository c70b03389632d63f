{{/*
The namespace Ward's code uses (dev.ward.keyd.k8s.WardKubernetes.NAMESPACE): keyd and the admission policy know
the agent by its ServiceAccount there, so a release elsewhere would install an agent nobody signs for.
*/}}
{{- define "ward.namespace" -}}
{{- if ne .Release.Namespace "ward-system" -}}
{{- fail (printf "install Ward in namespace ward-system (helm install --namespace ward-system), not %q: Ward's code knows its ServiceAccounts by that namespace" .Release.Namespace) -}}
{{- end -}}
{{- .Release.Namespace -}}
{{- end -}}

{{- define "ward.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "ward.labels" -}}
app.kubernetes.io/part-of: ward
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
