/**
 * Notifications: the Slack message about an image's new vulnerabilities, its rate-limited delivery, the
 * ledger that makes each vulnerability notified once, and the receiving end of Clair's notifier (webhook,
 * JWT check, paging and acknowledgement).
 *
 * @packageDocumentation
 */
export {
  bearerToken,
  CLAIR_JWT_LEEWAY_SECONDS,
  CLAIR_NOTIFIER_ISSUER,
  type ClairJwtOptions,
  type ClairJwtRejection,
  type ClairJwtVerification,
  verifyClairJwt,
} from './clair-jwt.js';
export {
  type ClairNotifierClient,
  isNoReceiptError,
  type NotificationHandler,
  type ProcessedNotification,
  type ProcessNotificationOptions,
  processNotification,
} from './clair-notification.js';
export {
  type ClairDelivery,
  type ClairWebhookOptions,
  type ClairWebhookServer,
  type ClairWebhookServerOptions,
  clairWebhookHandler,
  DEFAULT_WEBHOOK_PATH,
  startClairWebhook,
  type WebhookLogger,
} from './clair-webhook.js';
export type { NotifiableFinding } from './finding.js';
export {
  type DecodedLedger,
  decodeLedger,
  emptyLedger,
  encodeLedger,
  MAX_LEDGER_LENGTH,
  NOTIFIED_ANNOTATION,
  type NotifiableFindings,
  type NotifiedLedger,
  newlyNotifiable,
  notifiedAnnotation,
  notifiedAnnotations,
  type RecordOptions,
  record,
} from './notified-ledger.js';
export {
  advisoryLink,
  escapeMrkdwn,
  type FindingsMessageInput,
  findingsMessage,
  fitMrkdwn,
  fitPlain,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackImage,
  type SlackPayload,
  type SlackText,
  shortImageName,
} from './slack-message.js';
export {
  type SlackDropReason,
  type SlackFetch,
  type SlackOutcome,
  SlackSender,
  type SlackSenderOptions,
  type SlackWebhook,
  webhookName,
} from './slack-sender.js';
