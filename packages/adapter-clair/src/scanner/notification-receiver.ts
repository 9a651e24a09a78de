import type { Component, Logger } from '@nimbus-ts/k8s';
import { type ClairNotifierClient, processNotification } from '../notify/clair-notification.js';
import { type ClairWebhookServer, startClairWebhook } from '../notify/clair-webhook.js';

/** Options of {@link createNotificationReceiver}. */
export interface NotificationReceiverOptions {
  /** Reads and acknowledges notification sets (the adapter's `ClairClient`). */
  readonly clair: ClairNotifierClient;
  /** Clair's `auth.psk.key` (base64): the notifier signs its webhooks with it. */
  readonly pskKey: string;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Default 0: a free port (tests). */
  readonly port?: number;
  /** PEM key and certificate: serve HTTPS (what a cluster should do); without them, plain HTTP. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  readonly logger: Logger;
  /** Rescans the reports of these digests now; returns how many policies were queued. */
  readonly refresh: (digests: readonly string[]) => number;
}

/** A receiver of Clair's notifier webhooks, as a component of the adapter process. */
export interface NotificationReceiver extends Component {
  /** What to put in Clair's `notifier.webhook.target`, once started. */
  readonly url: string | undefined;
  /** Notification sets read, handled and acknowledged so far. */
  readonly processed: number;
}

/**
 * Listens for Clair's notifier: each delivery (JWT-verified, answered 200 at once) is read page by page through
 * the Clair API, its manifests' reports are rescanned right away instead of at the next interval, and then the
 * set is acknowledged. It runs with the scanner, on the replica holding the Lease; a delivery that reaches another
 * replica finds no listener, which Clair counts as failed and delivers again on a later tick.
 */
export function createNotificationReceiver(options: NotificationReceiverOptions): NotificationReceiver {
  let server: ClairWebhookServer | undefined;
  let processed = 0;
  return {
    get url() {
      return server?.url;
    },
    get processed() {
      return processed;
    },
    get ready() {
      return server !== undefined;
    },
    async start() {
      server = await startClairWebhook({
        pskKey: options.pskKey,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.tls ? { tls: options.tls } : {}),
        logger: options.logger,
        onNotification: async ({ notificationId }) => {
          const result = await processNotification(options.clair, notificationId, (digests) => {
            const queued = options.refresh(digests);
            options.logger.info('clair notification: rescanning affected images', {
              notificationId,
              manifests: digests.length,
              policies: queued,
            });
          });
          processed++;
          options.logger.info('clair notification processed', { ...result });
        },
      });
      options.logger.info('listening for clair notifications', { url: server.url });
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
  };
}
