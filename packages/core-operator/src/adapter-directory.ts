import type { KubernetesObject } from '@kubernetes/client-node';
import { ADAPTER_LABEL, liveAdapters } from '@nimbus-ts/api';
import { type ApiServerAccess, LEASES, type Logger, Reflector, type ReflectorOptions } from '@nimbus-ts/k8s';

/**
 * Which adapters are running and which intents they enforce, from the Leases they hold (label
 * `intent.security.nimbus.com/adapter`, in any namespace).
 *
 * Renewals arrive every 2 s per adapter with leader election, every 20 s without (`ANNOUNCEMENT_TIMING`);
 * listeners hear only real changes — an adapter that appears, stops (its Lease released or expired) or changes
 * its intents — so policies are not re-reconciled on every renewal. Staleness is each Lease's own
 * `leaseDurationSeconds` after its last renewal, so it follows whatever cadence the adapter renews at. Expiry
 * produces no watch event, so a timer re-checks at the earliest expiry.
 */
export class AdapterDirectory {
  private readonly reflector: Reflector<KubernetesObject>;
  private readonly listeners: (() => void)[] = [];
  private signature = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    kc: ApiServerAccess,
    logger: Logger,
    options: ReflectorOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.reflector = new Reflector<KubernetesObject>(kc, LEASES, {
      ...options,
      logger,
      labelSelector: ADAPTER_LABEL,
    });
    this.reflector.onChange(() => this.check());
  }

  /** Running adapters by name, each with the intent IDs it announces. */
  adapters(): Map<string, Set<string>> {
    return liveAdapters(this.reflector.store.list(), this.now()).adapters;
  }

  /** Calls `listener` whenever the set of running adapters or their intents changes. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Starts watching; resolves once the Leases are listed. */
  async start(): Promise<void> {
    this.reflector.start();
    await this.reflector.store.waitUntilReady();
    this.check();
  }

  /** True once the Leases are listed. */
  get ready(): boolean {
    return this.reflector.store.ready;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.reflector.stop();
  }

  private check(): void {
    const { signature, nextExpiry } = liveAdapters(this.reflector.store.list(), this.now());
    clearTimeout(this.timer);
    if (nextExpiry !== undefined) {
      // A little after the expiry, so the Lease is really past it when re-checked.
      this.timer = setTimeout(() => this.check(), Math.max(0, nextExpiry - this.now()) + 250);
      this.timer.unref();
    }
    if (signature === this.signature) return;
    this.signature = signature;
    for (const listener of this.listeners) listener();
  }
}
