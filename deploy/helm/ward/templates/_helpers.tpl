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

{{/*
Whether the standalone DNS proxy (45-dnsproxy.yaml) runs: it is the standby of the agent's DNS proxy, which runs
only on the BPF datapath, and it listens on the agent's standby port. "true" or empty.
*/}}
{{- define "ward.dnsProxyStandby" -}}
{{- $a := .Values.agent -}}
{{- if and .Values.dnsProxy.enabled $a.dnsProxy.enabled (ne (int $a.dnsProxy.standbyPort) 0) (eq $a.datapath "bpf") -}}true{{- end -}}
{{- end -}}

{{/*
The port of a metrics address (dict "name": the value's name, "address": HOST:PORT or empty), 0 when empty; a
render with anything else fails naming the value.
*/}}
{{- define "ward.metricsPort" -}}
{{- $address := toString (default "" .address) -}}
{{- if not $address -}}
0
{{- else -}}
{{- if not (regexMatch "^(\\[[0-9a-fA-F:.]+\\]|[^:]+):[0-9]{1,5}$" $address) -}}
{{- fail (printf "%s must be HOST:PORT (e.g. 0.0.0.0:9962, [::]:9962), not %s" .name $address) -}}
{{- end -}}
{{- $port := regexFind "[0-9]+$" $address | int -}}
{{- if or (lt $port 1) (gt $port 65535) -}}
{{- fail (printf "%s must have a port 1-65535, not %s" .name $address) -}}
{{- end -}}
{{- $port -}}
{{- end -}}
{{- end -}}
