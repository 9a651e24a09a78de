/**
 * `@nimbus-ts/k8s` — the Kubernetes plumbing every nimbus-ts component and third-party adapter builds on.
 *
 * Cluster connections (kubeconfig files, exec credentials, in-cluster), structured logging, raw API requests, the
 * built-in resource types (`PODS`, `SECRETS`, ...), the controller runtime (reflectors that keep caches in sync, a
 * keyed work queue, `Controller` with `owns`/`watches`, idempotent child writes and owned status updates, Events,
 * Lease leader election, probes and metrics), the component process (`runComponent`) and the TLS primitives
 * (ECDSA P-256 authorities and certificates). It knows nothing of the Nimbus API: that is `@nimbus-ts/api`; the
 * adapter SDK is `@nimbus-ts/adapter-sdk` and webhook serving support `@nimbus-ts/webhook`. Test helpers live in
 * the separate `@nimbus-ts/k8s/testing` entry point.
 *
 * @packageDocumentation
 */

export {
  type ApiServerAccess,
  ClusterConnection,
  connectionFromConfig,
  connectionFromKubeconfig,
  type LoadConnectionOptions,
  loadClusterConnection,
  readKubeconfigs,
} from './cluster-connection.js';
export {
  checkExecConfig,
  EXEC_CREDENTIAL_API_VERSIONS,
  type ExecClusterInfo,
  type ExecCredential,
  ExecCredentialSource,
  type ExecCredentialSourceOptions,
  parseExecCredential,
} from './connection/exec-credential.js';
export {
  type ExecConfig,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigUser,
  mergeKubeconfigs,
  parseKubeconfig,
  type ResolvedContext,
  resolveContext,
} from './connection/kubeconfig-file.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  ANNOUNCEMENT_TIMING,
  type ComponentConfig,
  type ComponentDefaults,
  componentUsage,
  type LeaseTiming,
  parseComponentConfig,
  parseDuration,
} from './process/component-config.js';
export {
  type Component,
  exitOnFailure,
  type RunComponentOptions,
  runComponent,
} from './process/run-component.js';
export { type RawRequestOptions, type RawResponse, rawRequest } from './raw-request.js';
export { REDACTED, redactSecrets, redactValue } from './redact.js';
export { Action } from './runtime/action.js';
export { ApiError, isConflict, isNamespaceTerminating, isNotFound } from './runtime/api-error.js';
export { Backoff, type BackoffOptions, sleep } from './runtime/backoff.js';
export { boundedName, MAX_LABEL_LENGTH, MAX_OBJECT_NAME_LENGTH } from './runtime/bounded-name.js';
export {
  boundedMessage,
  type Condition,
  type ConditionInput,
  findCondition,
  MAX_CONDITION_MESSAGE_LENGTH,
  removeCondition,
  setCondition,
  setConditions,
} from './runtime/conditions.js';
export {
  backoffErrorPolicy,
  Controller,
  type ControllerOptions,
  type Mapper,
  type Reconciler,
  retryDelayOf,
} from './runtime/controller.js';
export {
  DEPLOYMENTS,
  NAMESPACES,
  NODES,
  PODS,
  SECRETS,
  SERVICE_ACCOUNTS,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from './runtime/core-resources.js';
export {
  defaultErrorPolicy,
  ErrorOutcome,
  type ErrorPolicy,
  TerminalError,
} from './runtime/error-outcome.js';
export {
  EventCorrelator,
  type EventCorrelatorOptions,
  type EventOccurrence,
  type EventType,
  type EventWrite,
  type InvolvedObject,
} from './runtime/event-correlator.js';
export { EVENTS, EventRecorder } from './runtime/events.js';
export type { KubeClient } from './runtime/kube-client.js';
export { LEASES, type LeaderElectionOptions, LeaderElector } from './runtime/leader-election.js';
export { listen } from './runtime/listen.js';
export { ControllerMetrics } from './runtime/metrics.js';
export {
  createOrUpdateWith,
  ObjectClient,
  ObjectTakenError,
  ownedFieldsEqual,
  type WriteResult,
  withOwnedFields,
} from './runtime/object-client.js';
export { OwnWrites } from './runtime/own-writes.js';
export { controllerReference, isControlledBy, type Owner } from './runtime/owner-reference.js';
export { type ProbeServer, type ProbeServerOptions, startProbeServer } from './runtime/probe-server.js';
export { type ChangeListener, Reflector, type ReflectorOptions } from './runtime/reflector.js';
export { ReflectorPool } from './runtime/reflector-pool.js';
export {
  collectionPath,
  describeRef,
  type ObjectRef,
  objectPath,
  parseKey,
  type ResourceType,
  refKey,
  refOf,
} from './runtime/resource.js';
export { semanticEqual } from './runtime/semantic-equal.js';
export {
  applyOwnStatus,
  type StatusApplyPlan,
  updateStatus,
  type WithStatus,
  wholeStatusPlan,
} from './runtime/status.js';
export { createStore, type Store, type StoreWriter } from './runtime/store.js';
export { type KeyHandler, WorkQueue, type WorkQueueOptions } from './runtime/work-queue.js';
export { createAuthority } from './tls/certificate-authority.js';
export {
  type CertificateFacts,
  certificateFacts,
  isP256Key,
  isSignedBy,
  keyMatchesCertificate,
  normalizeHost,
  splitPemCertificates,
} from './tls/certificate-facts.js';
export { type CertificateProfile, issueCertificate } from './tls/issue-certificate.js';
export type { KeyPairPem } from './tls/key-pair.js';
export { BACKDATE_MS, type Validity, validityFrom } from './tls/validity.js';
