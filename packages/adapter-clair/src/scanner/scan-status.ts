import { type Condition, type ConditionInput, setConditions } from '@nimbus-ts/k8s';
import { type ImageScanPolicy, type ImageScanPolicyStatus, rescanIntervalSeconds } from '@nimbus-ts/scan-api';

/** The condition the scanner keeps on every ImageScanPolicy. */
export const SCANNED = 'Ready';

/** The condition on policies with `notify`: whether their notifications go out. */
export const NOTIFYING = 'Notifying';

/** How soon to look again when Clair has no vulnerability data yet. */
export const PENDING_RETRY_MS = 15_000;

/** Findings by severity, as reports and the policy status count them. */
export type SeverityCounts = Record<
  'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown',
  number
>;

/** How one image of a policy fared in this reconcile: the input of {@link planScanStatus}. */
export type ImageResult =
  | { readonly kind: 'scanned'; readonly summary: Readonly<SeverityCounts> }
  /** `text` is the condition's `<image>: <what happened and the fix>`; `last` the counts of its standing report. */
  | { readonly kind: 'failed'; readonly text: string; readonly last: Readonly<SeverityCounts> | undefined }
  | { readonly kind: 'pending'; readonly last: Readonly<SeverityCounts> | undefined };

/** What {@link planScanStatus} is given: one policy's plan and every image's result. */
export interface ScanStatusInput {
  readonly policy: ImageScanPolicy;
  readonly results: readonly ImageResult[];
  /** Containers the plan skipped, with why (the first reason is named). */
  readonly skipped: readonly { readonly reason: string }[];
  /** Why notifications failed, for a policy with `notify`. */
  readonly notifyProblems: readonly string[];
}

/** What a scan reconcile reports and does next. */
export interface ScanStatusPlan {
  readonly images: number;
  readonly summary: SeverityCounts;
  /** The Ready condition, and Notifying for a policy with `notify`. */
  readonly conditions: readonly ConditionInput[];
  /** The failed images' texts: when any, the reconcile fails after writing the status (see ScanFailedError). */
  readonly failed: readonly string[];
  /** When to look again after a reconcile without failures: soon while Clair lacks data, else the rescan interval. */
  readonly requeueAfterMs: number;
}

function add(totals: SeverityCounts, counts: Readonly<SeverityCounts> | undefined): void {
  if (!counts) return;
  for (const key of Object.keys(totals) as (keyof SeverityCounts)[]) totals[key] += counts[key];
}

/**
 * Decides a scan reconcile's report from its images' results: the totals (a failed or pending image keeps
 * counting its last report, so an outage loses nothing, not even in the totals), Ready — False `ScanFailed`
 * naming up to three images, False `WaitingForVulnerabilityData`, or True `Scanned` — Notifying for a policy
 * with `notify`, and when to look again. Pure.
 */
export function planScanStatus(input: ScanStatusInput): ScanStatusPlan {
  const { policy, results } = input;
  const generation = policy.metadata.generation;
  const summary: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 };
  const failed: string[] = [];
  let pending = 0;
  for (const result of results) {
    if (result.kind === 'scanned') add(summary, result.summary);
    else {
      add(summary, result.last);
      if (result.kind === 'failed') failed.push(result.text);
      else pending++;
    }
  }
  const images = results.length;
  const ready: ConditionInput =
    failed.length > 0
      ? {
          type: SCANNED,
          status: 'False',
          reason: 'ScanFailed',
          message: `${failed.length} of ${images} images could not be scanned: ${failed.slice(0, 3).join('; ')}${failed.length > 3 ? '; …' : ''}`,
          observedGeneration: generation,
        }
      : pending > 0
        ? {
            type: SCANNED,
            status: 'False',
            reason: 'WaitingForVulnerabilityData',
            message: `Clair has no vulnerability data yet for ${pending} images; they are scanned again shortly`,
            observedGeneration: generation,
          }
        : {
            type: SCANNED,
            status: 'True',
            reason: 'Scanned',
            message: `${images} images scanned${input.skipped.length > 0 ? `; ${input.skipped.length} containers skipped (${input.skipped[0]?.reason})` : ''}`,
            observedGeneration: generation,
          };
  const notifying: ConditionInput[] = policy.spec.notify?.slack
    ? [
        input.notifyProblems.length > 0
          ? {
              type: NOTIFYING,
              status: 'False',
              reason: 'NotificationFailed',
              message: input.notifyProblems.slice(0, 3).join('; '),
              observedGeneration: generation,
            }
          : {
              type: NOTIFYING,
              status: 'True',
              reason: 'Notifying',
              message: 'new findings at or above the threshold are sent to Slack',
              observedGeneration: generation,
            },
      ]
    : [];
  const rescanMs = (rescanIntervalSeconds(policy.spec.rescanInterval ?? '6h') ?? 6 * 3600) * 1000;
  return {
    images,
    summary,
    conditions: [ready, ...notifying],
    failed,
    requeueAfterMs: pending > 0 ? PENDING_RETRY_MS : rescanMs,
  };
}

/** The policy's status fields the scanner owns, from a {@link ScanStatusPlan} and the current status. */
export function scanStatusFields(
  policy: ImageScanPolicy,
  plan: ScanStatusPlan,
  status: ImageScanPolicyStatus | undefined,
  now?: () => Date,
): Partial<ImageScanPolicyStatus> {
  return {
    observedGeneration: policy.metadata.generation,
    images: plan.images,
    summary: plan.summary,
    conditions: setConditions(
      status?.conditions as Condition[] | undefined,
      [...plan.conditions],
      now,
    ) as ImageScanPolicyStatus['conditions'],
  };
}

/** The status of a policy in a namespace the scanner leaves out: no images, Ready False `NamespaceExcluded`. */
export function excludedStatusFields(
  policy: ImageScanPolicy,
  reason: string,
  status: ImageScanPolicyStatus | undefined,
  now?: () => Date,
): Partial<ImageScanPolicyStatus> {
  return {
    observedGeneration: policy.metadata.generation,
    images: 0,
    conditions: setConditions(
      status?.conditions as Condition[] | undefined,
      [
        {
          type: SCANNED,
          status: 'False',
          reason: 'NamespaceExcluded',
          message: reason,
          observedGeneration: policy.metadata.generation,
        },
      ],
      now,
    ) as ImageScanPolicyStatus['conditions'],
  };
}
