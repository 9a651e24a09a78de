import type { V1Secret } from '@kubernetes/client-node';
import type { Logger, ObjectClient } from '@nimbus-ts/k8s';
import { ApiError, Reflector, type ReflectorOptions, SECRETS } from '@nimbus-ts/k8s';
import { certificatePlan } from './certificate-plan.js';
import { issuePlannedCertificates } from './issue-planned-certificates.js';
import { CERTIFICATE_SECRET_KEYS, readStoredCertificates } from './stored-certificates.js';
import { SyncLoop } from './sync-loop.js';
import {
  type CertificateSource,
  sameTlsMaterial,
  type TlsMaterial,
  type TlsMaterialListener,
} from './tls-material.js';

/**
 * The label every self-managed certificate Secret carries, valued with its name: the Secret is watched
 * through it, so the cache holds this one Secret and not every Secret of the namespace.
 */
export const CERTIFICATE_SECRET_LABEL = 'webhook.nimbus-ts.io/certificate';

const TLS_SECRET_TYPE = 'kubernetes.io/tls';
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** The shortest CA lifetime accepted. */
const MIN_CA_LIFETIME_MS = DAY_MS;
/** The shortest serving-certificate lifetime accepted. */
const MIN_SERVING_LIFETIME_MS = HOUR_MS;
/** Writes one sync may make: a conflict or a lost create race costs one, the final write one more. */
const MAX_WRITES = 5;

/** Options of {@link SelfManagedCertificates}. */
export interface SelfManagedCertificatesOptions {
  /** Namespace of the Secret: the webhook's own. */
  readonly namespace: string;
  /** Name of the Secret, shared by every replica; at most 63 characters (it is also a label value). */
  readonly name: string;
  /**
   * DNS names and IP addresses the serving certificate must cover, e.g. `svc`, `svc.ns`, `svc.ns.svc`.
   * Every replica must be given the same list, or they will keep replacing each other's certificate.
   */
  readonly hosts: readonly string[];
  /** Called whenever the serving certificate, key or CA bundle changes, including the first load. */
  readonly onChange?: TlsMaterialListener;
  /** Lifetime of a CA; it is rotated after two thirds. Default 365 days, at least 1 day. */
  readonly caLifetimeMs?: number;
  /** Lifetime of a serving certificate; renewed after two thirds. Default 90 days, at least 1 hour. */
  readonly servingLifetimeMs?: number;
  /** See `DEFAULT_ROLLOVER_GRACE_MS`. */
  readonly rolloverGraceMs?: number;
  /** Common name of the CAs. Default `<name>.<namespace> webhook CA`. */
  readonly caCommonName?: string;
  /** Longest pause between two checks of the Secret. Default 10 minutes. */
  readonly resyncIntervalMs?: number;
  /** More labels for the Secret. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Clock, ms since the epoch; tests move it to force renewals. Default `Date.now`. */
  readonly now?: () => number;
  /** Options of the Secret's watch (tests shorten its timeouts). */
  readonly reflector?: Pick<ReflectorOptions, 'watchTimeoutSeconds' | 'idleTimeoutMs' | 'backoff'>;
  readonly logger?: Logger;
}

/** Refuses options that could never work, naming the Secret and the fix. */
function checkOptions(options: SelfManagedCertificatesOptions): void {
  const { namespace, name } = options;
  if (name.length > 63) {
    throw new Error(
      `webhook certificate Secret ${namespace}/${name}: the name is also a label value, so it may have at ` +
        'most 63 characters. Fix: choose a shorter name.',
    );
  }
  if (options.hosts.length === 0) {
    throw new Error(
      `webhook certificate Secret ${namespace}/${name}: no hosts. Fix: name the service's DNS names.`,
    );
  }
  // Certificates start BACKDATE_MS early, which shortens the time to their renewal by a third of it: with
  // lifetimes much shorter than that, every certificate would be due the moment it is issued.
  const tooShort = [
    ['caLifetimeMs', options.caLifetimeMs, MIN_CA_LIFETIME_MS],
    ['servingLifetimeMs', options.servingLifetimeMs, MIN_SERVING_LIFETIME_MS],
  ] as const;
  for (const [option, value, min] of tooShort) {
    if (value !== undefined && !(value >= min)) {
      throw new Error(
        `webhook certificate Secret ${namespace}/${name}: ${option} ${value} is too short. ` +
          `Fix: use at least ${min} ms.`,
      );
    }
  }
}

function decoded(secret: V1Secret, key: string): string {
  return Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
}

/**
 * Serving certificates for a webhook that runs in several replicas, kept in one Secret of type
 * `kubernetes.io/tls` (`tls.crt`, `tls.key`, `ca.crt` = the trusted bundle, `ca.key` = the CA's key) that
 * the replicas share: whichever replica finds it missing or due creates or renews it, and every replica
 * serves what the Secret holds.
 *
 * Races are settled by the API server: a lost create race (409 AlreadyExists) or a stale update (409
 * Conflict, the write is conditioned on resourceVersion) re-reads the Secret and plans again from what the
 * other replica wrote. The Secret is watched, so each replica reloads what another wrote, and re-checked on
 * a timer for renewals. Renewal and CA rollover follow `certificatePlan`.
 *
 * Needs, in the Secret's namespace: `get`, `list`, `watch`, `create` and `update` on `secrets`.
 */
export class SelfManagedCertificates implements CertificateSource {
  private readonly reflector: Reflector<V1Secret>;
  private readonly loop: SyncLoop;
  private readonly labels: Record<string, string>;
  private material: TlsMaterial | undefined;

  /**
   * @param client - reads and writes the Secret.
   * @param options - see {@link SelfManagedCertificatesOptions}.
   */
  constructor(
    private readonly client: ObjectClient,
    private readonly options: SelfManagedCertificatesOptions,
  ) {
    checkOptions(options);
    const { namespace, name } = options;
    this.labels = { ...options.labels, [CERTIFICATE_SECRET_LABEL]: name };
    this.reflector = new Reflector<V1Secret>(client.kc, SECRETS, {
      ...options.reflector,
      namespace,
      labelSelector: `${CERTIFICATE_SECRET_LABEL}=${name}`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.loop = new SyncLoop({
      what: `Secret ${namespace}/${name}`,
      sync: () => this.sync(),
      resyncIntervalMs: options.resyncIntervalMs ?? 10 * 60 * 1000,
      logger: options.logger,
    });
    this.reflector.onChange(() => this.loop.trigger());
  }

  /** The material in force, or undefined before the first load. */
  current(): TlsMaterial | undefined {
    return this.material;
  }

  /** True once the Secret has been read (and, if needed, written) at least once. */
  get ready(): boolean {
    return this.loop.synced;
  }

  /** Watches the Secret and resolves once the first material is loaded and handed to `onChange`. */
  async start(): Promise<void> {
    this.reflector.start();
    await this.reflector.store.waitUntilReady();
    await this.loop.start();
  }

  /** Stops checking and watching. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.reflector.stop();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** One check: plan, write if needed, adopt what the Secret holds; resolves with ms until the next check. */
  private async sync(): Promise<number> {
    const { namespace, name, hosts } = this.options;
    const ref = { namespace, name };
    let live = this.reflector.store.get(ref);
    for (let writes = 0; ; writes++) {
      const now = this.now();
      if (live && live.type !== TLS_SECRET_TYPE) {
        throw new Error(
          `Secret ${namespace}/${name} has type ${live.type ?? 'Opaque'}, but webhook certificates need type ` +
            `${TLS_SECRET_TYPE}, which cannot be changed in place. Fix: delete the Secret; it is re-created.`,
        );
      }
      const stored = readStoredCertificates(live?.data);
      const plan = certificatePlan(stored, { now, hosts, rolloverGraceMs: this.options.rolloverGraceMs });
      const labelled = Object.entries(this.labels).every(([k, v]) => live?.metadata?.labels?.[k] === v);
      if (live && !plan.changed && labelled) {
        await this.adopt(live);
        return plan.recheckAt - now;
      }
      if (writes >= MAX_WRITES) {
        throw new Error(
          `Secret ${namespace}/${name} is still not in shape after ${writes} writes: ${plan.reasons.join('; ')}`,
        );
      }
      if (plan.changed) {
        this.options.logger?.info('renewing webhook certificates', {
          secret: `${namespace}/${name}`,
          ca: plan.ca,
          serving: plan.serving,
          reasons: plan.reasons,
          ignored: stored.problems,
        });
      }
      const data = plan.changed
        ? await issuePlannedCertificates(stored, plan, {
            now,
            hosts,
            caLifetimeMs: this.options.caLifetimeMs ?? 365 * DAY_MS,
            servingLifetimeMs: this.options.servingLifetimeMs ?? 90 * DAY_MS,
            caCommonName: this.options.caCommonName ?? `${name}.${namespace} webhook CA`,
          })
        : live?.data;
      try {
        live = await this.write(live, data ?? {});
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        // Another replica created or updated the Secret first: plan again from what it wrote.
        live = await this.client.get<V1Secret>(SECRETS, ref);
      }
    }
  }

  /** Creates the Secret, or updates it conditioned on the resourceVersion `live` was read at. */
  private write(live: V1Secret | undefined, data: Record<string, string>): Promise<V1Secret> {
    const { namespace, name } = this.options;
    if (!live) {
      return this.client.create<V1Secret>(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace, labels: this.labels },
        type: TLS_SECRET_TYPE,
        data,
      });
    }
    const { managedFields: _dropped, ...metadata } = live.metadata ?? {};
    return this.client.replace<V1Secret>(SECRETS, {
      ...live,
      metadata: { ...metadata, labels: { ...metadata.labels, ...this.labels } },
      data,
    });
  }

  private async adopt(secret: V1Secret): Promise<void> {
    const material: TlsMaterial = {
      cert: decoded(secret, CERTIFICATE_SECRET_KEYS.cert),
      key: decoded(secret, CERTIFICATE_SECRET_KEYS.key),
      caBundle: decoded(secret, CERTIFICATE_SECRET_KEYS.caBundle),
    };
    if (sameTlsMaterial(material, this.material)) return;
    this.material = material;
    try {
      await this.options.onChange?.(material);
    } catch (err) {
      this.options.logger?.error('a listener of webhook certificates failed', {
        secret: `${this.options.namespace}/${this.options.name}`,
        error: (err as Error).message,
      });
    }
  }
}
