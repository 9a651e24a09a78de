{{/*
Object names are fixed (nimbus-core-operator, nimbus-admission, ...), the same as deploy/'s: the components
find each other's Leases, the webhook's RBAC names its own Secret and configuration, and the docs and alert rules
name them. So one release runs per cluster; it installs into any namespace.
*/}}

{{/* Labels on every object: Helm's standard ones and the component's name (the Deployments' selector). */}}
{{- define "nimbus-ts.labels" -}}
app.kubernetes.io/name: {{ .name }}
{{ include "nimbus-ts.releaseLabels" .root }}
{{- end }}

{{/* The labels that say which release and chart an object belongs to. */}}
{{- define "nimbus-ts.releaseLabels" -}}
app.kubernetes.io/part-of: nimbus-ts
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The image reference: repository@digest when a digest is set (it pins the content, so it wins over the tag), else
repository:tag, the tag defaulting to the chart's appVersion.
*/}}
{{- define "nimbus-ts.image" -}}
{{- if .digest -}}
{{ .repository }}@{{ .digest }}
{{- else -}}
{{ .repository }}:{{ .tag | default $.appVersion }}
{{- end }}
{{- end }}

{{/*
The pod template metadata and the parts of the pod spec every component shares. Arguments: root (the chart's
context), name (the component), values (its values), component (optional app.kubernetes.io/component label).
*/}}
{{- define "nimbus-ts.podMetadata" -}}
metadata:
  {{- with .values.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  labels:
    app.kubernetes.io/name: {{ .name }}
    {{- with .component }}
    app.kubernetes.io/component: {{ . }}
    {{- end }}
    app.kubernetes.io/part-of: nimbus-ts
    app.kubernetes.io/instance: {{ .root.Release.Name }}
    {{- with .values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/* Scheduling and pull secrets, at the pod spec's indentation. */}}
{{- define "nimbus-ts.podScheduling" -}}
{{- $pullSecrets := concat .root.Values.imagePullSecrets .values.imagePullSecrets -}}
{{- with $pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod security context of every component: non-root 65532, RuntimeDefault seccomp. */}}
{{- define "nimbus-ts.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  {{- if .fsGroup }}
  # Lets the non-root user read the mounted Secret files.
  fsGroup: 65532
  {{- end }}
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/* The container security context of every component: read-only root filesystem, nothing to escalate. */}}
{{- define "nimbus-ts.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end }}

{{/* Image, pull policy and arguments of a component's container. */}}
{{- define "nimbus-ts.containerImage" -}}
image: {{ include "nimbus-ts.image" (merge (dict "appVersion" .root.Chart.AppVersion) .values.image) }}
{{- with .values.image.pullPolicy }}
imagePullPolicy: {{ . }}
{{- end }}
{{- end }}

{{/* The env entries every component starts with: its pod's name and namespace, and its log level. */}}
{{- define "nimbus-ts.baseEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: LOG_LEVEL
  value: {{ .values.logLevel | quote }}
{{- end }}

{{/* Metrics and probe ports, probes and resources: the same for every component. */}}
{{- define "nimbus-ts.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: probes
  periodSeconds: 10
readinessProbe:
  httpGet:
    path: /readyz
    port: probes
  periodSeconds: 5
{{- end }}

{{/* Clair's address and credentials, for the scanner and the webhook alike. */}}
{{- define "nimbus-ts.clairEnv" -}}
- name: CLAIR_URL
  value: {{ .Values.clair.url | quote }}
{{- if .Values.clair.psk.secretName }}
# Read from the mounted Secret rather than the environment, so the key stays out of process listings.
- name: CLAIR_PSK_KEY_FILE
  value: /etc/nimbus-clair/psk/psk
{{- end }}
- name: CLAIR_PSK_ISSUER
  value: {{ .Values.clair.psk.issuer | quote }}
- name: INSECURE_REGISTRIES
  value: {{ join "," .Values.clair.insecureRegistries | quote }}
- name: SCAN_CONCURRENCY
  value: {{ .Values.clair.scanConcurrency | quote }}
{{- end }}

{{/* The PSK Secret volume (optional, so pods start without it). */}}
{{- define "nimbus-ts.clairPskVolume" -}}
- name: psk
  secret:
    secretName: {{ .Values.clair.psk.secretName }}
    items:
      - key: {{ .Values.clair.psk.secretKey }}
        path: psk
    defaultMode: 0440
    optional: true
{{- end }}

{{/* A component's metrics Service. Arguments: root, name, values. */}}
{{- define "nimbus-ts.metricsService" -}}
{{- if .values.metricsService.enabled }}
---
# Prometheus scrapes /metrics here.
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}-metrics
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
  {{- with .values.metricsService.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector:
    app.kubernetes.io/name: {{ .name }}
  ports:
    - name: metrics
      port: 8080
      targetPort: metrics
{{- end }}
{{- end }}

{{/* A component's PodDisruptionBudget: maxUnavailable when set, else minAvailable. Arguments: root, name, values. */}}
{{- define "nimbus-ts.podDisruptionBudget" -}}
{{- with .values.podDisruptionBudget }}
{{- if .enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $.name }}
  namespace: {{ $.root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" $ | nindent 4 }}
spec:
  {{- if ne (toString .maxUnavailable) "" }}
  maxUnavailable: {{ .maxUnavailable }}
  {{- else }}
  minAvailable: {{ .minAvailable }}
  {{- end }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ $.name }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The RBAC every leader-elected component has besides its ClusterRole: a ServiceAccount, the ClusterRoleBinding,
and a Role + RoleBinding for its Lease in the release namespace. Arguments: root, name, values, leaseRole (the
Role's name).
*/}}
{{- define "nimbus-ts.serviceAccountAndBinding" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .name }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ .name }}
subjects:
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}

{{/* A Role granting the component its own Lease, bound to its ServiceAccount. Arguments: root, name, roleName. */}}
{{- define "nimbus-ts.leaseRole" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .roleName }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .roleName }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .roleName }}
subjects:
  - kind: ServiceAccount
    name: {{ .name }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}

{{/*
The Deployment of a leader-elected controller (the core operator and the KubeArmor, NetworkPolicy and k8tls adapters,
which differ only in name and values). Arguments: root, name, values, and optionally env (YAML env entries of the
component, after the common ones).
*/}}
{{- define "nimbus-ts.controllerDeployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
spec:
  # One works while holding the Lease, the others take over within seconds.
  replicas: {{ .values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
  template:
    {{- include "nimbus-ts.podMetadata" . | nindent 4 }}
    spec:
      serviceAccountName: {{ .name }}
      {{- include "nimbus-ts.podSecurityContext" (dict) | nindent 6 }}
      {{- with include "nimbus-ts.podScheduling" . | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          {{- include "nimbus-ts.containerImage" . | nindent 10 }}
          args:
            - --leader-elect=true
            {{- with .values.extraArgs }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          env:
            {{- include "nimbus-ts.baseEnv" . | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: metrics
              containerPort: 8080
            - name: probes
              containerPort: 8081
          {{- include "nimbus-ts.probes" . | nindent 10 }}
          {{- with .values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- include "nimbus-ts.containerSecurityContext" . | nindent 10 }}
{{- end }}

{{/*
A component's secret reader: the ClusterRole `<name>-secret-reader` (get on Secrets, by name) and, in each of
clair.secretReaderNamespaces, a RoleBinding of it to the component's ServiceAccount. Each component that reads pull
secrets ships its own, as each deploy/ directory does, so either installs without the other. Arguments: root, name.
*/}}
{{- define "nimbus-ts.secretReader" -}}
{{- $role := printf "%s-secret-reader" .name }}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ $role }}
  labels:
    {{- include "nimbus-ts.labels" . | nindent 4 }}
rules:
  # Read by name when needed; never listed or watched, so no copy of a namespace's Secrets is held.
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get]
{{- range .root.Values.clair.secretReaderNamespaces }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $role }}
  namespace: {{ . }}
  labels:
    {{- include "nimbus-ts.labels" $ | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ $role }}
subjects:
  - kind: ServiceAccount
    name: {{ $.name }}
    namespace: {{ $.root.Release.Namespace }}
{{- end }}
{{- end }}
