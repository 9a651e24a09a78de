import type { V1Namespace, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import {
  Backoff,
  type Component,
  type Logger,
  NAMESPACES,
  type ObjectClient,
  Reflector,
  type ReflectorOptions,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
  WorkQueue,
} from '@nimbus-ts/k8s';
import { WEBHOOK_CONFIGURATION_LABEL } from '@nimbus-ts/webhook';
import { isRetiredConfiguration } from './retired-configuration.js';

/** The one key of the remover's queue. */
const KEY = 'retired';

/** Options of a {@link RetiredConfigurationRemover}. */
export interface RetiredConfigurationRemoverOptions {
  /** The retired configuration's name. */
  readonly name: string;
  /** The configuration that replaces it, for log lines. */
  readonly replacement: string;
  /** The webhook's own namespace, whose uid the retired configuration's owner reference must hold. */
  readonly namespace: string;
  /** The names of the webhooks this webhook keeps. */
  readonly webhookNames: readonly string[];
  /** The waits before deleting it again each time it comes back. Default 1 s doubling to 60 s. */
  readonly backoff?: Backoff;
  /** Options of the watch (tests shorten its timeouts). */
  readonly reflector?: Pick<ReflectorOptions, 'watchTimeoutSeconds' | 'idleTimeoutMs' | 'backoff'>;
  readonly logger?: Logger;
}

/**
 * Deletes the webhook's configuration of a retired name (see `RETIRED_CONFIGURATION`) whenever it exists and is
 * recognisably this webhook's ({@link isRetiredConfiguration}). Start it once the configuration that replaces it
 * is in shape, so that covered namespaces are never without a webhook that answers.
 *
 * It watches the name (through the label the webhook puts on every configuration it keeps) rather than deleting
 * once: a replica of the old version that is still shutting down re-creates the configuration as soon as it sees
 * it gone. Each time it comes back, the remover waits longer before deleting it again, so that an old Deployment
 * left running (whose configuration still works) costs a few writes, not a loop of them.
 *
 * Needs: `list` and `watch` on `validatingwebhookconfigurations`, `delete` on the retired name, and `get` on its
 * own Namespace.
 */
export class RetiredConfigurationRemover implements Component {
  private readonly reflector: Reflector<V1ValidatingWebhookConfiguration>;
  private readonly queue = new WorkQueue({ concurrency: 1 });
  private readonly backoff: Backoff;
  private namespaceUid: string | undefined;
  private deleted = 0;
  private judged = 0;
  private waited = false;
  private ignored: string | undefined;

  /**
   * @param client - reads the Namespace, deletes the configuration.
   * @param options - see {@link RetiredConfigurationRemoverOptions}.
   */
  constructor(
    private readonly client: ObjectClient,
    private readonly options: RetiredConfigurationRemoverOptions,
  ) {
    this.backoff = options.backoff ?? new Backoff({ initialMs: 1_000, maxMs: 60_000 });
    this.reflector = new Reflector<V1ValidatingWebhookConfiguration>(
      client.kc,
      VALIDATING_WEBHOOK_CONFIGURATIONS,
      {
        ...options.reflector,
        labelSelector: `${WEBHOOK_CONFIGURATION_LABEL}=${options.name}`,
        ...(options.logger ? { logger: options.logger } : {}),
      },
    );
    this.reflector.onChange((_object, change) => {
      if (change === 'applied') this.queue.add(KEY);
    });
  }

  /** True once its watch has listed the retired name. */
  get ready(): boolean {
    return this.reflector.store.ready;
  }

  /**
   * How many times it has found a configuration of the retired name and decided what to do with it (delete it now
   * or later, or leave it alone): for tests, which may only say it left one alone after it has judged it.
   */
  get judgements(): number {
    return this.judged;
  }

  /** How many times it has deleted the retired configuration (for tests and diagnostics). */
  get deletions(): number {
    return this.deleted;
  }

  /** Watches the retired name and deletes what is there. Resolves once the watch has listed. */
  async start(): Promise<void> {
    this.reflector.start();
    await this.reflector.store.waitUntilReady();
    this.queue.start(() => this.sweep());
    this.queue.add(KEY);
  }

  /** Stops watching; waits for a running deletion. */
  async stop(): Promise<void> {
    await this.queue.stop();
    await this.reflector.stop();
  }

  private async sweep(): Promise<void> {
    const { name, namespace, replacement, logger } = this.options;
    const live = this.reflector.store.get({ name });
    if (!live) return;
    try {
      if (!this.namespaceUid) {
        const ns = await this.client.get<V1Namespace>(NAMESPACES, { name: namespace });
        this.namespaceUid = ns?.metadata?.uid;
        if (!this.namespaceUid) throw new Error(`Namespace ${namespace} does not exist`);
      }
      const ours = isRetiredConfiguration(live, { ...this.options, namespaceUid: this.namespaceUid });
      this.judged++;
      if (!ours) {
        if (this.ignored !== live.metadata?.uid) {
          this.ignored = live.metadata?.uid;
          logger?.info('leaving ValidatingWebhookConfiguration alone: it is not one this webhook made', {
            configuration: name,
          });
        }
        return;
      }
      if (this.deleted > 0 && !this.waited) {
        // Back after it was deleted: a replica of the old version still runs and keeps it.
        const delayMs = this.backoff.next();
        logger?.warn(
          `ValidatingWebhookConfiguration ${name} came back after it was deleted: a replica of the webhook's old ` +
            `Deployment (nimbus-clair-webhook) still runs. Fix: delete that Deployment (docs/OPERATIONS.md, ` +
            `"Upgrading from nimbus-clair-webhook"); deleting the configuration again in ${delayMs} ms`,
          { configuration: name },
        );
        this.waited = true;
        this.queue.addAfter(KEY, delayMs);
        return;
      }
      this.waited = false;
      if (
        await this.client.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name }, live.metadata?.uid ?? undefined)
      ) {
        this.deleted++;
        logger?.info(`deleted the retired ValidatingWebhookConfiguration; ${replacement} replaces it`, {
          configuration: name,
        });
      }
    } catch (error) {
      const delayMs = this.backoff.next();
      logger?.warn('could not delete the retired ValidatingWebhookConfiguration; retrying', {
        configuration: name,
        error: (error as Error).message,
        retryInMs: delayMs,
      });
      this.queue.addAfter(KEY, delayMs);
    }
  }
}
