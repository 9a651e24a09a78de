/**
 * `@nimbus-ts/webhook` — what an admission webhook process needs besides its handler: serving certificates,
 * self-managed in a Secret the replicas share (with CA rollover) or read from mounted files, and a
 * `WebhookConfigurationKeeper` that keeps a ValidatingWebhookConfiguration (CA bundle injected) as declared.
 *
 * @packageDocumentation
 */

export {
  type CaStep,
  type CertificatePlan,
  type CertificatePlanOptions,
  certificatePlan,
  DEFAULT_ROLLOVER_GRACE_MS,
  renewalTime,
  type ServingStep,
} from './certificate-plan.js';
export { FileCertificates, type FileCertificatesOptions } from './file-certificates.js';
export {
  CERTIFICATE_SECRET_LABEL,
  SelfManagedCertificates,
  type SelfManagedCertificatesOptions,
} from './self-managed-certificates.js';
export {
  CERTIFICATE_SECRET_KEYS,
  type CertificateWithKey,
  readStoredCertificates,
  type ServingCertificate,
  type StoredCertificates,
} from './stored-certificates.js';
export {
  type CertificateSource,
  sameTlsMaterial,
  type TlsMaterial,
  type TlsMaterialListener,
} from './tls-material.js';
export {
  type ValidatingWebhookConfigurationOptions,
  validatingWebhookConfiguration,
  WEBHOOK_CONFIGURATION_LABEL,
  type WebhookOperation,
  type WebhookOptions,
  type WebhookRule,
  type WebhookTarget,
} from './validating-webhook-configuration.js';
export {
  WebhookConfigurationKeeper,
  type WebhookConfigurationKeeperOptions,
} from './webhook-configuration-keeper.js';
