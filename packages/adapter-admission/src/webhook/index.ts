// The image admission webhook as a process: configuration, composition, Clair verdicts, Events and metrics.
export {
  type AdmissionWebhook,
  type AdmissionWebhookOptions,
  admissionWebhooks,
  createAdmissionWebhook,
  WEBHOOK_MANAGER,
} from './admission-webhook.js';
export { auditEventRecorder, auditMessage } from './audit-events.js';
export {
  WEBHOOK_ENV,
  type WebhookClientAuth,
  type WebhookConfig,
  type WebhookConfigurationSettings,
  type WebhookTls,
  webhookConfig,
} from './config.js';
export { coveredNamespaceSelector, coveredNamespaces, NAMESPACE_NAME_LABEL } from './covered-namespaces.js';
export { type ImageVerdictsOptions, imageVerdicts, type PullSecretReader } from './image-verdicts.js';
export {
  isRetiredConfiguration,
  RETIRED_CONFIGURATION,
  type RetiredConfigurationOwner,
} from './retired-configuration.js';
export {
  RetiredConfigurationRemover,
  type RetiredConfigurationRemoverOptions,
} from './retired-configuration-remover.js';
export { WebhookMetrics } from './webhook-metrics.js';
