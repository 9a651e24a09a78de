import type { V1Namespace, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import type { Component, Logger, ObjectClient, WriteResult } from '@nimbus-ts/k8s';
import {
  NAMESPACES,
  Reflector,
  type ReflectorOptions,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '@nimbus-ts/k8s';
import { SyncLoop } from './sync-loop.js';
import {
  type ValidatingWebhookConfigurationOptions,
  validatingWebhookConfiguration,
  WEBHOOK_CONFIGURATION_LABEL,
  type WebhookOptions,
} from './validating-webhook-configuration.js';

/** Options of a {@link WebhookConfigurationKeeper}. */
export interface WebhookConfigurationKeeperOptions
  extends Omit<ValidatingWebhookConfigurationOptions, 'namespace' | 'caBundle'> {
  /** The webhook's own namespace: read for its uid (the owner), and excluded from the webhooks. */
  readonly namespace: string;
  /** The CA bundle to start with; later ones come through {@link WebhookConfigurationKeeper.setCaBundle}. */
  readonly caBundle?: string;
  /** Longest pause between two checks. Default 10 minutes. */
  readonly resyncIntervalMs?: number;
  /** Called after every successful check with what it wrote: for metrics and tests. */
  readonly onSynced?: (result: WriteResult) => void;
  /** Options of the configuration's watch (tests shorten its timeouts). */
  readonly reflector?: Pick<ReflectorOptions, 'watchTimeoutSeconds' | 'idleTimeoutMs' | 'backoff'>;
  readonly logger?: Logger;
}

/**
 * Keeps a webhook's ValidatingWebhookConfiguration as {@link validatingWebhookConfiguration} builds it:
 * creates it, updates it when it drifts (someone edited or deleted it: it is watched), and never writes
 * when it is already right. The CA bundle comes from the webhook's certificates — wire their `onChange` to
 * {@link setCaBundle}. Every replica may run one: they write the same object, and updates are conditioned
 * on resourceVersion.
 *
 * Without a CA bundle (e.g. certificates from files without `ca.crt`), each webhook keeps the `caBundle`
 * the live object has, so the keeper does not fight a CA injector such as cert-manager's.
 *
 * It never deletes the configuration: a replica that stops must not disarm the others. Deleting the
 * namespace removes it through garbage collection.
 *
 * Needs: `get`, `list`, `watch`, `create` and `update` on `validatingwebhookconfigurations`
 * (admissionregistration.k8s.io), and `get` on its own `namespaces` object.
 */
export class WebhookConfigurationKeeper implements Component {
  private readonly reflector: Reflector<V1ValidatingWebhookConfiguration>;
  private readonly loop: SyncLoop;
  private caBundle: string | undefined;
  private webhooks: readonly WebhookOptions[];
  private lastWritten: readonly WebhookOptions[] | undefined;

  /**
   * @param client - reads the Namespace, writes the configuration.
   * @param options - see {@link WebhookConfigurationKeeperOptions}.
   */
  constructor(
    private readonly client: ObjectClient,
    private readonly options: WebhookConfigurationKeeperOptions,
  ) {
    this.caBundle = options.caBundle;
    this.webhooks = options.webhooks;
    // Fail at construction, not in the background, when the options cannot make a valid object.
    validatingWebhookConfiguration({ ...options, namespace: { name: options.namespace, uid: 'unknown' } });
    this.reflector = new Reflector<V1ValidatingWebhookConfiguration>(
      client.kc,
      VALIDATING_WEBHOOK_CONFIGURATIONS,
      {
        ...options.reflector,
        labelSelector: `${WEBHOOK_CONFIGURATION_LABEL}=${options.name}`,
        ...(options.logger ? { logger: options.logger } : {}),
      },
    );
    this.loop = new SyncLoop({
      what: `ValidatingWebhookConfiguration ${options.name}`,
      sync: () => this.sync(),
      resyncIntervalMs: options.resyncIntervalMs ?? 10 * 60 * 1000,
      logger: options.logger,
    });
    this.reflector.onChange(() => this.loop.trigger());
  }

  /** Sets the PEM CA bundle the webhooks trust and brings the configuration up to date. */
  setCaBundle(caBundle: string | undefined): void {
    this.caBundle = caBundle;
    this.loop.trigger();
  }

  /**
   * Replaces the webhooks (e.g. a namespace selector that follows the namespaces some policy covers) and brings
   * the configuration up to date; nothing is written when the result equals the live object.
   *
   * @throws Error naming the problem and the fix when `webhooks` cannot make a valid configuration; the
   * previous webhooks are kept then.
   */
  setWebhooks(webhooks: readonly WebhookOptions[]): void {
    validatingWebhookConfiguration({
      ...this.options,
      webhooks,
      namespace: { name: this.options.namespace, uid: 'unknown' },
    });
    this.webhooks = webhooks;
    this.loop.trigger();
  }

  /**
   * The webhooks the configuration held after the last successful check (the very array given to the
   * constructor or {@link setWebhooks}), or undefined before one: what the API server is being told, as
   * opposed to what was asked for last.
   */
  get syncedWebhooks(): readonly WebhookOptions[] | undefined {
    return this.lastWritten;
  }

  /** True once the configuration has been brought in shape at least once. */
  get ready(): boolean {
    return this.loop.synced;
  }

  /** Watches the configuration and resolves once it is in shape. */
  async start(): Promise<void> {
    this.reflector.start();
    await this.reflector.store.waitUntilReady();
    await this.loop.start();
  }

  /** Stops watching; the configuration stays. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.reflector.stop();
  }

  private async sync(): Promise<number> {
    const resyncMs = this.options.resyncIntervalMs ?? 10 * 60 * 1000;
    const nsName = this.options.namespace;
    const namespace = await this.client.get<V1Namespace>(NAMESPACES, { name: nsName });
    const uid = namespace?.metadata?.uid;
    if (!uid) {
      throw new Error(
        `Namespace ${nsName}, owner of ValidatingWebhookConfiguration ${this.options.name}, does not exist. ` +
          'Fix: run the webhook in an existing namespace and pass its name.',
      );
    }
    if (namespace.metadata?.deletionTimestamp) {
      // Re-arming a webhook whose namespace (and pods) are going away would only leave it unanswered.
      this.options.logger?.info('namespace is terminating; not writing the webhook configuration', {
        namespace: nsName,
      });
      return resyncMs;
    }
    const live = this.reflector.store.get({ name: this.options.name });
    const webhooks = this.webhooks;
    const desired = validatingWebhookConfiguration({
      ...this.options,
      webhooks,
      namespace: { name: nsName, uid },
      caBundle: this.caBundle,
    });
    if (this.caBundle === undefined) keepLiveCaBundles(desired, live);
    const { result } = await this.client.createOrUpdate(VALIDATING_WEBHOOK_CONFIGURATIONS, desired, live);
    if (result !== 'unchanged') {
      this.options.logger?.info(`webhook configuration ${result}`, { configuration: this.options.name });
    }
    this.lastWritten = webhooks;
    this.options.onSynced?.(result);
    return resyncMs;
  }
}

/** Copies each webhook's `caBundle` from the live object, matching webhooks by name. */
function keepLiveCaBundles(
  desired: V1ValidatingWebhookConfiguration,
  live: V1ValidatingWebhookConfiguration | undefined,
): void {
  for (const webhook of desired.webhooks ?? []) {
    const caBundle = live?.webhooks?.find((w) => w.name === webhook.name)?.clientConfig.caBundle;
    if (caBundle) webhook.clientConfig.caBundle = caBundle;
  }
}
