/**
 * Which images need a vulnerability verdict before deciding, and how long admission may wait for them.
 */
import type { ImageAdmissionPolicyView } from './policy.js';
import type { ResolvedImage } from './resolve-images.js';

/** The images to ask the scanner about, and the time budget for the answer. */
export interface VerdictRequest {
  /** Canonical references (`docker.io/library/nginx:1.27`), each once, in request order. */
  readonly images: readonly string[];
  /** Milliseconds to wait for verdicts; what has not arrived by then counts as unscanned. */
  readonly budgetMs: number;
}

/**
 * The verdicts `policies` need for `images`, or undefined when no policy has `blockVulnerableImages` (then
 * the scanner is not asked at all). Invalid references are left out: they are refused without a scan.
 *
 * The budget is the smallest `scanTimeoutSeconds` among the policies that ask, so no policy waits longer
 * than it allows, capped at `maxBudgetMs`: the apiserver gives up on a webhook after its `timeoutSeconds`
 * (10 s by default), and an answer that arrives after that helps nobody. A budget that is not a positive
 * number is 0: only verdicts the scanner already has count.
 */
export function verdictRequest(
  images: readonly ResolvedImage[],
  policies: readonly ImageAdmissionPolicyView[],
  maxBudgetMs: number,
): VerdictRequest | undefined {
  let budgetSeconds = Number.POSITIVE_INFINITY;
  for (const policy of policies) {
    const rule = policy.spec.blockVulnerableImages;
    if (rule === undefined) continue;
    const seconds = Number.isFinite(rule.scanTimeoutSeconds) ? Math.max(0, rule.scanTimeoutSeconds) : 0;
    budgetSeconds = Math.min(budgetSeconds, seconds);
  }
  if (budgetSeconds === Number.POSITIVE_INFINITY) return undefined;
  const unique = new Set<string>();
  for (const image of images) if (image.reference !== undefined) unique.add(image.reference.canonical);
  return {
    images: [...unique],
    budgetMs: Math.max(0, Math.min(budgetSeconds * 1000, maxBudgetMs)),
  };
}
