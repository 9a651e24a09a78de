import type { Logger } from '@nimbus-ts/k8s';
import type { DockerCredential, Platform } from '@nimbus-ts/registry';
import {
  layerAccess,
  RegistryClient,
  RegistryError,
  type ResolvedImage,
  resolveImage,
  TokenCache,
} from '@nimbus-ts/registry';
import type { VulnerabilityReport } from './api-types.js';
import type { ClairClient } from './clair-client.js';
import { ClairError } from './clair-error.js';
import { ConcurrencyLimiter } from './limiter.js';
import { buildClairManifest } from './manifest.js';
import { SingleFlight } from './single-flight.js';

/** What an {@link ImageScanner} reports as it works, e.g. to Prometheus metrics. */
export interface ImageScanMetrics {
  /** A scan failed, by where: the registry, Clair, or anything else. */
  failed(kind: 'registry' | 'clair' | 'other'): void;
  /** A scan ended (either way) after `seconds`. */
  scanned(seconds: number): void;
  /** An index request was sent to Clair. */
  indexed(): void;
}

/** One image to scan, as a running pod pulled it. */
export interface ScanTarget {
  /** Registry host, e.g. `docker.io` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly repository: string;
  /** The digest the runtime pulled by (an index digest for multi-arch images). */
  readonly digest: string;
  /** The node's platform, to pick the manifest of a multi-arch image. */
  readonly platform: Platform;
  /** Credentials to try in order (the pod's pull secrets, then its service account's); empty: anonymous. */
  readonly credentials: readonly DockerCredential[];
}

/** An image named by tag, to find the digest it points at now. */
export interface TagTarget {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  /** Credentials to try in order; empty: anonymous. */
  readonly credentials: readonly DockerCredential[];
}

/** How long a tag's digest is trusted: tags move, but admission bursts (a rollout) ask for the same one at once. */
const TAG_TTL_MS = 30_000;

/** What scanning one image gave. */
export type ScanOutcome =
  | {
      readonly kind: 'scanned';
      readonly image: ResolvedImage;
      readonly report: VulnerabilityReport;
    }
  | {
      /** Clair has no vulnerability data yet (202): try again later; nothing is wrong with the image. */
      readonly kind: 'pending';
      readonly image: ResolvedImage;
    };

/** Counters a scanner keeps, for metrics and tests. */
export interface ScannerCounters {
  /** POSTs to Clair's indexer: at most one per distinct image manifest while the scanner lives. */
  indexRequests: number;
  /** Manifests Clair already knew (found by GET after a restart), so no index was needed. */
  alreadyIndexed: number;
  /** Vulnerability report requests (re-matching, no re-indexing). */
  reportRequests: number;
}

/** Options of {@link ImageScanner}. */
export interface ImageScannerOptions {
  readonly clair: ClairClient;
  readonly logger: Logger;
  /** Most images resolved, indexed or matched at once. Default 4. */
  readonly concurrency?: number;
  /** Registries (`host[:port]`) reached over plain http. Loopback registries always are. */
  readonly insecureRegistries?: readonly string[];
  /** Records index requests, durations and errors, when given. */
  readonly metrics?: ImageScanMetrics;
}

/**
 * Scans images by digest through Clair: resolves the digest to the node's platform manifest (with the pod's
 * registry credentials), makes sure Clair has indexed that manifest — once per manifest for the whole
 * cluster: concurrent requests are coalesced, indexed manifests remembered, and after a restart Clair is asked
 * before anything is re-indexed — and then asks the matcher for the current vulnerability report, which a
 * periodic rescan repeats without re-indexing.
 */
export class ImageScanner {
  readonly counters: ScannerCounters = { indexRequests: 0, alreadyIndexed: 0, reportRequests: 0 };
  private readonly limiter: ConcurrencyLimiter;
  private readonly indexing = new SingleFlight<void>();
  private readonly indexed = new Set<string>();
  /** Digests are immutable, so a resolution holds forever; bounded so a churning cluster cannot grow it without end. */
  private readonly resolved = new Map<string, ResolvedImage>();
  private readonly tokens = new TokenCache();
  private readonly tags = new Map<string, { readonly digest: string; readonly expires: number }>();
  private readonly tagLookups = new SingleFlight<string>();

  constructor(private readonly options: ImageScannerOptions) {
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? 4);
  }

  /**
   * Scans one image.
   *
   * @throws `RegistryError` (`@nimbus-ts/registry`) when the image cannot be resolved (e.g. 401: missing or
   *   wrong pull secret), or a Clair error (down, 429, index failure); the caller reports it and backs off.
   */
  scan(target: ScanTarget): Promise<ScanOutcome> {
    return this.limiter.run(async () => {
      const started = performance.now();
      try {
        return await this.scanNow(target);
      } catch (error) {
        this.options.metrics?.failed(
          error instanceof RegistryError ? 'registry' : error instanceof ClairError ? 'clair' : 'other',
        );
        throw error;
      } finally {
        this.options.metrics?.scanned((performance.now() - started) / 1000);
      }
    });
  }

  private scanNow(target: ScanTarget): Promise<ScanOutcome> {
    return (async () => {
      const { image, client } = await this.resolve(target);
      await this.indexing.do(image.manifestDigest, () => this.ensureIndexed(image, client));
      this.counters.reportRequests++;
      const result = await this.options.clair.vulnerabilityReport(image.manifestDigest);
      if (result.kind === 'ready') return { kind: 'scanned', image, report: result.report };
      if (result.kind === 'not-indexed') {
        // Clair lost the index report (e.g. its database was reset): index again next time.
        this.indexed.delete(image.manifestDigest);
      }
      return { kind: 'pending', image };
    })();
  }

  /**
   * The digest a tag points at now (the index digest for a multi-arch image), asked of the registry with the
   * credentials in order as the kubelet would, and remembered for a few seconds; concurrent asks share one request.
   *
   * @throws `RegistryError` (`@nimbus-ts/registry`) naming the image and the fix when no credential can read it.
   */
  digestOf(target: TagTarget): Promise<string> {
    const key = `${target.registry}/${target.repository}:${target.tag}`;
    const known = this.tags.get(key);
    if (known && known.expires > Date.now()) return Promise.resolve(known.digest);
    return this.tagLookups.do(key, async () => {
      const { result: digest } = await this.withCredentials(target, async (client) => {
        const manifest = await this.limiter.run(() => client.getManifest(target.repository, target.tag));
        return manifest.digest;
      });
      if (this.tags.size >= 10_000) this.tags.delete(this.tags.keys().next().value as string);
      this.tags.set(key, { digest, expires: Date.now() + TAG_TTL_MS });
      return digest;
    });
  }

  /**
   * Runs `use` with a registry client for each credential in turn — anonymous only when there are none, as the
   * kubelet pulls — until one is not refused: another credential may work where one got 401, while any other
   * failure is not about credentials and ends the attempt.
   */
  private async withCredentials<T>(
    target: { readonly registry: string; readonly credentials: readonly DockerCredential[] },
    use: (client: RegistryClient) => Promise<T>,
  ): Promise<{ result: T; client: RegistryClient }> {
    const attempts = target.credentials.length > 0 ? target.credentials : [undefined];
    let lastError: unknown;
    for (const credentials of attempts) {
      const client = RegistryClient.forRegistry(target.registry, credentials, {
        tokenCache: this.tokens,
        insecureRegistries: this.options.insecureRegistries ?? [],
      });
      try {
        return { result: await use(client), client };
      } catch (error) {
        lastError = error;
        if (!(error instanceof RegistryError && error.kind === 'unauthorized')) throw error;
      }
    }
    throw lastError;
  }

  /** Forgets that a manifest was indexed, e.g. when Clair's indexer state changed and it must be re-indexed. */
  forgetIndexed(): void {
    this.indexed.clear();
  }

  private async resolve(target: ScanTarget): Promise<{ image: ResolvedImage; client: RegistryClient }> {
    const key = `${target.registry}/${target.repository}@${target.digest}|${target.platform.os}/${target.platform.architecture}/${target.platform.variant ?? ''}`;
    const { result: image, client } = await this.withCredentials(target, async (client) => {
      // Digests are immutable: a resolution holds; the client is still needed to mint layer tokens.
      const cached = this.resolved.get(key);
      if (cached) return cached;
      const resolved = await resolveImage(client, target, { platform: target.platform });
      if (this.resolved.size >= 10_000) this.resolved.delete(this.resolved.keys().next().value as string);
      this.resolved.set(key, resolved);
      return resolved;
    });
    return { image, client };
  }

  private async ensureIndexed(image: ResolvedImage, client: RegistryClient): Promise<void> {
    if (this.indexed.has(image.manifestDigest)) return;
    const known = await this.options.clair.indexReport(image.manifestDigest);
    if (known?.state === 'IndexFinished' && known.success !== false) {
      this.counters.alreadyIndexed++;
      this.indexed.add(image.manifestDigest);
      return;
    }
    // Registry tokens live minutes and Clair fetches the layers during the POST: mint them right before it.
    const layers = await layerAccess(client, image);
    this.counters.indexRequests++;
    this.options.metrics?.indexed();
    this.options.logger.info('indexing image', {
      image: `${image.registry}/${image.repository}@${image.manifestDigest}`,
      layers: image.layers.length,
    });
    await this.options.clair.index(buildClairManifest(image, layers));
    this.indexed.add(image.manifestDigest);
  }
}
