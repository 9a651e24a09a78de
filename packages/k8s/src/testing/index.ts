/**
 * `@nimbus-ts/k8s/testing` — a real Kubernetes control plane for tests, the TypeScript counterpart of
 * controller-runtime's envtest: etcd, kube-apiserver and kube-controller-manager built from Go modules,
 * started on loopback with their own PKI and RBAC.
 *
 * @example
 * ```ts
 * const cp = await startControlPlane();
 * await cp.installCRDs([crdDirectory()]); // crdDirectory from @nimbus-ts/api
 * const core = cp.kubeConfig.makeApiClient(CoreV1Api);
 * // ...
 * await cp.stop();
 * ```
 *
 * It also holds `structuralSchemaProblems`, a check of CRD schemas against the API server's structural-schema
 * rules that needs no cluster, and the building blocks other harnesses (e.g. `@nimbus-ts/scan-testenv`)
 * start their own processes with: `ensureGoBinaries`, `Component`, `startReaper`, `freeLoopbackPorts` and
 * `pollUntil`.
 *
 * @packageDocumentation
 */

export {
  type ApiProxy,
  type ApiProxyOptions,
  isListRequest,
  type ProxiedRequest,
  startApiProxy,
} from './api-proxy.js';
export { apiWrites } from './api-writes.js';
export {
  BIN_DIR_ENV,
  type ControlPlaneBinaries,
  defaultBinDir,
  type EnsureBinariesOptions,
  ETCD_VERSION,
  ensureControlPlaneBinaries,
  KUBERNETES_VERSION,
} from './binaries.js';
export {
  Component,
  type ComponentOptions,
  PortInUseError,
  tailOf,
} from './component.js';
export {
  type ComponentProcess,
  type ComponentProcessOptions,
  startComponentProcess,
} from './component-process.js';
export {
  CONTROLLERS,
  type ControlPlane,
  type ControlPlaneLogs,
  type ControlPlaneOptions,
  startControlPlane,
} from './control-plane.js';
export { type CrdSchema, structuralSchemaProblems, unboundedFields, walkSchema } from './crd-schema.js';
export { type CRDSource, installCRDs, readCRDs } from './crds.js';
export { FakeClient, type FakeClientOptions, type FakeWrite } from './fake-client.js';
export {
  cacheRoot,
  ensureGoBinaries,
  findGoToolchain,
  type GoBinariesSpec,
  type GoBuildStep,
  type GoNeed,
  type GoToolOptions,
  goToolBuild,
  missingExecutables,
} from './go-binaries.js';
export { type KubeconfigParams, kubeConfigFrom, renderKubeconfig } from './kubeconfig.js';
export { runKubectl } from './kubectl.js';
export {
  checkLeastPrivilege,
  FORBIDDEN,
  isPermissionError,
  type LeastPrivilegeOptions,
  type LeastPrivilegeReport,
  leastPrivilegeProblems,
  type PolicyRule,
  parseManifests,
  type RunOutcome,
  type ScenarioContext,
} from './least-privilege.js';
export { createTestNamespace, type TestNamespace } from './namespace.js';
export {
  type CertificateAuthority,
  createCertificateAuthority,
  createSigningKeyPair,
  importCertificateAuthority,
  type KeyPairPem,
} from './pki.js';
export { abortable, type PollOptions, pollUntil, pollUntilSteady } from './poll.js';
export { freeLoopbackPorts } from './ports.js';
export { type Reaper, startReaper } from './reaper.js';
export { createUser, type TestUser } from './users.js';
