/**
 * `@nimbus-ts/kyverno-testenv` (private): real Kyverno for the Kyverno adapter's tests and the demo. The admission
 * controller is built from the Go module proxy once per machine into `~/.cache/nimbus-ts/kyverno`, its CRDs come
 * from the same pinned module, and {@link startKyverno} runs it out of cluster against a test API server.
 *
 * @packageDocumentation
 */

export {
  BACKGROUND_CONTROLLER_ROLE,
  KYVERNO_WEBHOOK_LABEL,
  kyvernoWebhookConfigurations,
  PROBE_POLICY,
  type RunningKyverno,
  type StartKyvernoOptions,
  startKyverno,
} from './kyverno.js';
export {
  defaultKyvernoBinDir,
  ensureKyverno,
  KYVERNO_BIN_DIR_ENV,
  KYVERNO_CRD_DIR_ENV,
  KYVERNO_VERSION,
  kyvernoAvailable,
  kyvernoBuild,
  kyvernoCrdDirectories,
  kyvernoModuleDir,
} from './kyverno-binary.js';
