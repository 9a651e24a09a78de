import type { ImageScanner } from '@nimbus-ts/clair-client';
import { ClairError } from '@nimbus-ts/clair-client';
import type { Logger } from '@nimbus-ts/k8s';
import {
  afterImage,
  DEFAULT_PLATFORM,
  type Platform,
  parseImageReference,
  RegistryError,
  type SecretLike,
  selectCredentials,
} from '@nimbus-ts/registry';
import { SEVERITIES, type Severity, summarizeReport } from '@nimbus-ts/scan-api';
import type { VerdictContext, VerdictSource, VulnerabilityVerdict } from '../admission/index.js';

/** Reads the objects of a namespace that pulling an image takes: pull Secrets and ServiceAccounts. */
export interface PullSecretReader {
  /** The Secret `name` of `namespace`; undefined when it does not exist, so that it adds no credentials. */
  secret(namespace: string, name: string): Promise<SecretLike | undefined>;
  /** The ServiceAccount `name` of `namespace`, for its `imagePullSecrets`; undefined when there is none. */
  serviceAccount(
    namespace: string,
    name: string,
  ): Promise<{ readonly imagePullSecrets?: readonly { readonly name?: string }[] } | undefined>;
}

/** Options of {@link imageVerdicts}. */
export interface ImageVerdictsOptions {
  /** Resolves tags to digests and scans through Clair; it indexes a manifest once, then re-matches it. */
  readonly scanner: ImageScanner;
  /** Reads the pod's pull Secrets and ServiceAccount on every uncached verdict, so it should cache reads. */
  readonly reader: PullSecretReader;
  /** The platform whose manifest of a multi-arch image is judged (admission does not know the node yet). */
  readonly platform?: Platform;
  /** How long a scan result is reused for a digest: advisories change, images by digest do not. Default 5 min. */
  readonly ttlMs?: number;
  /** How many findings a verdict names at most. Default 10. */
  readonly worst?: number;
  /** The clock in epoch ms, for cache expiry and report dates; tests pass a fake. Default `Date.now`. */
  readonly now?: () => number;
  /** Where failures are logged with the image and namespace (users only see a short reason). */
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Counts by severity, from a report summary (lower-case keys) to the admission's severity names. */
function severityCounts(summary: Readonly<Record<string, number>>): Partial<Record<Severity, number>> {
  const counts: Partial<Record<Severity, number>> = {};
  for (const severity of SEVERITIES) {
    const count = summary[severity.toLowerCase()] ?? 0;
    if (count > 0) counts[severity] = count;
  }
  return counts;
}

/**
 * The verdict on `image` (the canonical reference asked about) when judging it failed with `error`: what to tell
 * a user, without leaking more than the image's own access. The denial names the image already, so a registry
 * message about that same image loses its leading `<image>: ` (one about its digest or platform keeps it); an
 * image the registry refused to the pod's credentials is marked unreadable, so the denial names the fix.
 */
export function unscannedVerdict(image: string, error: unknown): VulnerabilityVerdict {
  if (error instanceof RegistryError) {
    if (error.refused) return { status: 'unscanned', reason: error.problem, unreadableFrom: error.registry };
    return { status: 'unscanned', reason: afterImage(error.message, image) };
  }
  if (error instanceof ClairError) {
    return { status: 'unscanned', reason: `Clair could not scan it (${error.kind})` };
  }
  return { status: 'unscanned', reason: 'the webhook could not scan it; see the nimbus-admission log' };
}

/**
 * The admission webhook's vulnerability verdicts: each image is resolved to a digest with the pod's pull
 * credentials (its imagePullSecrets, then its ServiceAccount's, as the kubelet), scanned through Clair by the
 * same {@link ImageScanner} the scanner uses (indexed once per manifest, then re-matched), and summarised.
 * Scan results are reused per digest for `ttlMs`; a scan that outlives admission's budget goes on, so the
 * next request for the image finds it. An image Clair has no data for yet, or that cannot be read, is
 * unscanned with the reason.
 */
export function imageVerdicts(options: ImageVerdictsOptions): VerdictSource {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? 5 * 60_000;
  const platform = options.platform ?? DEFAULT_PLATFORM;
  const cache = new Map<string, { readonly verdict: VulnerabilityVerdict; readonly expires: number }>();

  const judge = async (image: string, context: VerdictContext): Promise<VulnerabilityVerdict> => {
    const reference = parseImageReference(image);
    const { namespace } = context;
    const podSecrets = await Promise.all(context.pullSecrets.map((n) => options.reader.secret(namespace, n)));
    const account = context.serviceAccountName
      ? await options.reader.serviceAccount(namespace, context.serviceAccountName)
      : undefined;
    const accountSecrets = await Promise.all(
      (account?.imagePullSecrets ?? []).flatMap((s) =>
        s.name ? [options.reader.secret(namespace, s.name)] : [],
      ),
    );
    const present = (s: SecretLike | undefined): s is SecretLike => s !== undefined;
    const { candidates } = selectCredentials(reference.name, {
      podSecrets: podSecrets.filter(present),
      serviceAccountSecrets: accountSecrets.filter(present),
    });
    const { registry, repository } = reference;
    const digest =
      reference.digest ??
      (await options.scanner.digestOf({
        registry,
        repository,
        tag: reference.tag ?? 'latest',
        credentials: candidates,
      }));
    const key = `${registry}/${repository}@${digest}`;
    const cached = cache.get(key);
    if (cached && cached.expires > now()) return cached.verdict;
    const outcome = await options.scanner.scan({
      registry,
      repository,
      digest,
      platform,
      credentials: candidates,
    });
    if (outcome.kind === 'pending') {
      return { status: 'unscanned', reason: 'Clair has no vulnerability data for it yet' };
    }
    const report = summarizeReport(outcome.report, {
      now: new Date(now()),
      maxVulnerabilities: options.worst ?? 10,
    });
    const verdict: VulnerabilityVerdict = {
      status: 'scanned',
      counts: severityCounts(report.summary as unknown as Record<string, number>),
      worst: report.vulnerabilities.map((v) => ({ id: v.id, severity: v.severity as Severity })),
    };
    if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
    cache.set(key, { verdict, expires: now() + ttl });
    return verdict;
  };

  return async (images, context) => {
    const verdicts = new Map<string, VulnerabilityVerdict>();
    await Promise.all(
      images.map(async (image) => {
        try {
          verdicts.set(image, await judge(image, context));
        } catch (error) {
          options.logger?.warn('an image could not be scanned on admission', {
            image,
            namespace: context.namespace,
            error: (error as Error).message,
          });
          verdicts.set(image, unscannedVerdict(image, error));
        }
      }),
    );
    return verdicts;
  };
}
