import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';
import { isConflict } from './api-error.js';
import { sleep } from './backoff.js';
import type { ObjectClient } from './object-client.js';
import type { ResourceType } from './resource.js';

/** The coordination.k8s.io Lease resource. */
export const LEASES: ResourceType = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Options of a {@link LeaderElector}. */
export interface LeaderElectionOptions {
  /** Namespace of the Lease (usually the pod's own). */
  readonly namespace: string;
  /** Name of the Lease; every replica of one component uses the same. */
  readonly name: string;
  /** This replica's identity, unique among replicas (e.g. the pod name). */
  readonly identity: string;
  /** How long a lease stays valid without renewal. Default 15 s. */
  readonly leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down. Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Pause between attempts. Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly logger?: Logger;
  /**
   * Labels and annotations the Lease carries, written with every renewal: adapters announce themselves
   * and their intents on their Lease this way (see `announcementMetadata`).
   */
  readonly metadata?: {
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  /** Clock; tests may pin it. */
  readonly now?: () => Date;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews the lease
 * every retry period; others take it over once it has not been renewed for its duration. Writes are
 * conditioned on the resourceVersion, so two candidates can never both win.
 *
 * Guarantees: `onStartedLeading` runs at most once, after the lease is held, and renewal never waits for
 * it. If renewal fails for longer than the renew deadline, `onStoppedLeading` runs and `run()` resolves; the
 * process should then exit, as another replica may already lead.
 */
export class LeaderElector {
  private leading = false;
  private readonly abort = new AbortController();

  /**
   * @param client - writes the Lease; needs get, create and update on leases in `options.namespace`.
   * @param options - see {@link LeaderElectionOptions}.
   */
  constructor(
    private readonly client: ObjectClient,
    private readonly options: LeaderElectionOptions,
  ) {}

  /** True while this replica holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** One attempt to acquire or renew; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const durationSeconds = Math.ceil((this.options.leaseDurationMs ?? 15_000) / 1000);
    const now = this.now();
    const live = await this.client.get<Lease>(LEASES, { namespace, name });
    const spec = live?.spec ?? {};
    if (live && spec.holderIdentity && spec.holderIdentity !== identity) {
      const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '') || 0;
      const expires = renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (expires > now.getTime()) return false;
    }
    const ours = spec.holderIdentity === identity;
    const next: Lease = {
      apiVersion: LEASES.apiVersion,
      kind: LEASES.kind,
      metadata: {
        name,
        namespace,
        ...(this.options.metadata?.labels ? { labels: { ...this.options.metadata.labels } } : {}),
        ...(this.options.metadata?.annotations
          ? { annotations: { ...this.options.metadata.annotations } }
          : {}),
        ...(live?.metadata.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}),
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (live && !ours ? 1 : 0),
      },
    };
    try {
      if (live) await this.client.replace(LEASES, next);
      else await this.client.create(LEASES, next);
      return true;
    } catch (err) {
      // Someone else wrote the lease first: not ours this round.
      if (isConflict(err) || (err as { code?: number }).code === 409) return false;
      throw err;
    }
  }

  /**
   * Campaigns until elected, then starts `onStartedLeading` without waiting for it and renews the Lease every
   * retry period on its own timer — so a start that takes long (caches filling from slow lists) never lets the
   * Lease lapse. When no renewal has succeeded for the renew deadline (a hanging request counts as failed once
   * the deadline passes), it calls `onStoppedLeading` and resolves, as client-go's leader elector does: another
   * replica may already lead. `stop()` ends it too.
   *
   * @param onStartedLeading - runs once, when the Lease is first held; a rejection is logged and ends leadership.
   * @param onStoppedLeading - runs at most once, when leadership is lost.
   */
  async run(onStartedLeading: () => Promise<void> | void, onStoppedLeading: () => void): Promise<void> {
    const retry = this.options.retryPeriodMs ?? 2_000;
    const deadline = this.options.renewDeadlineMs ?? 10_000;
    const signal = this.abort.signal;
    const log = this.options.logger;
    const lease = { lease: this.options.name, identity: this.options.identity };
    log?.info('campaigning for the Lease', lease);
    while (!signal.aborted && !(await this.attempt(deadline))) await sleep(retry, signal);
    if (signal.aborted) return;

    this.leading = true;
    log?.info('became leader', lease);
    let failedToStart = false;
    // Not awaited: renewal below must keep its cadence while the caches fill.
    void Promise.resolve()
      .then(onStartedLeading)
      .catch((err: unknown) => {
        log?.error('starting to lead failed', { ...lease, error: (err as Error).message });
        failedToStart = true;
      });

    // A monotonic clock: the deadline must not move with the wall clock.
    let lastRenew = performance.now();
    while (!signal.aborted) {
      await sleep(retry, signal);
      if (signal.aborted || failedToStart) break;
      const left = deadline - (performance.now() - lastRenew);
      if (left > 0 && (await this.attempt(left))) {
        lastRenew = performance.now();
        continue;
      }
      if (performance.now() - lastRenew < deadline) continue;
      break;
    }
    if (signal.aborted) return;
    this.leading = false;
    log?.error('lost leadership', {
      ...lease,
      reason: failedToStart ? 'starting failed' : `no renewal for ${deadline} ms (the renew deadline)`,
    });
    onStoppedLeading();
  }

  /**
   * One acquire-or-renew that counts as failed after `timeoutMs`: the request may hang (the API server gone
   * mid-request), and a leader must notice its deadline passing whatever the network does.
   */
  private async attempt(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.tryAcquireOrRenew(), timedOut]);
      if (outcome === 'timeout') {
        this.options.logger?.warn('lease update timed out', { lease: this.options.name, timeoutMs });
        return false;
      }
      return outcome;
    } catch (err) {
      this.options.logger?.warn('lease update failed', {
        lease: this.options.name,
        error: (err as Error).message,
      });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops campaigning and, when leading, releases the lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name, identity } = this.options;
    const live = await this.client.get<Lease>(LEASES, { namespace, name });
    if (live?.spec?.holderIdentity !== identity) return;
    await this.client
      .replace(LEASES, { ...live, spec: { ...live.spec, holderIdentity: '', leaseDurationSeconds: 1 } })
      .catch(() => undefined);
  }
}
