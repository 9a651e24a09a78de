/**
 * Asks the scanner for verdicts and stops waiting at the time budget. Whatever the scanner does — answers,
 * answers late, never answers, throws, rejects, returns nonsense — this resolves in time with a verdict or
 * an explicit "unscanned, because…" for each image, and leaves nothing unhandled.
 */
import type { AdmissionInput } from './admission-input.js';
import type { VulnerabilityVerdict } from './verdict.js';
import type { VerdictRequest } from './verdict-request.js';

/** What the scanner is told along with the images it should judge. */
export interface VerdictContext {
  /** The namespace of the pod, where its pull secrets are. */
  readonly namespace: string;
  /** The pod's `imagePullSecrets`; empty on the ImageReview path. */
  readonly pullSecrets: readonly string[];
  /** The pod's ServiceAccount, whose pull secrets come next; unknown on the ImageReview path. */
  readonly serviceAccountName?: string;
  /** How long admission waits; a scan may go on after that, so that its result is there next time. */
  readonly budgetMs: number;
  /** Aborted when admission stops waiting. */
  readonly signal: AbortSignal;
}

/**
 * The scanner's verdicts for canonical image references. May take long (a scan on admission); an image
 * missing from the answer counts as unscanned.
 */
export type VerdictSource = (
  images: readonly string[],
  context: VerdictContext,
) => Promise<ReadonlyMap<string, VulnerabilityVerdict>>;

/** The reason an image is unscanned when the scanner failed; the details go to the log, not to users. */
export const SCANNER_FAILED_REASON = 'the scanner failed; see the adapter log';

/**
 * The verdicts of `source` for `request`, waiting at most `request.budgetMs`. On timeout every image is
 * unscanned (`no scan result within 3 s`) and the context's signal is aborted; when the scanner fails every
 * image is unscanned with {@link SCANNER_FAILED_REASON} and `onFailure` gets the error.
 */
export async function verdictsWithin(
  source: VerdictSource,
  request: VerdictRequest,
  input: Pick<AdmissionInput, 'namespace' | 'pullSecrets' | 'serviceAccountName'>,
  onFailure: (error: unknown) => void = () => {},
): Promise<ReadonlyMap<string, VulnerabilityVerdict>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, request.budgetMs, 'timeout');
  });
  const unscanned = (reason: string) =>
    new Map(request.images.map((image) => [image, { status: 'unscanned', reason } as const]));
  try {
    const answer = await Promise.race([
      // Called inside then() so that a synchronous throw becomes a rejection like any other failure.
      Promise.resolve().then(() =>
        source(request.images, {
          namespace: input.namespace,
          pullSecrets: input.pullSecrets,
          ...(input.serviceAccountName !== undefined ? { serviceAccountName: input.serviceAccountName } : {}),
          budgetMs: request.budgetMs,
          signal: controller.signal,
        }),
      ),
      timedOut,
    ]);
    if (answer === 'timeout') {
      controller.abort();
      return unscanned(`no scan result within ${request.budgetMs / 1000} s`);
    }
    if (!(answer instanceof Map)) throw new TypeError('the verdict source did not resolve to a Map');
    return answer;
  } catch (err) {
    onFailure(err);
    return unscanned(SCANNER_FAILED_REASON);
  } finally {
    clearTimeout(timer);
  }
}
