import type { NimbusCondition } from '@nimbus-ts/api';
import { conditionViews } from './conditions.js';
import type { ConditionView } from './model.js';

/** Severities in the order a summary lists them, most severe first. */
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;

/** What an engine object's own status says, as `nimbus status` shows it next to the object. */
export interface ObjectStatus {
  /** Its `Ready` condition, when it has one (the Clair adapter's ImageScanPolicy and ImageAdmissionPolicy do). */
  readonly ready?: ConditionView;
  /** A one-line summary of a scan, e.g. `3 images: 2 critical, 1 high`, for objects that report one. */
  readonly summary?: string;
}

/**
 * Reads an engine object's status: its `Ready` condition and, for scan policies (a `status.summary` of counts by
 * severity and `status.images`), a one-line scan summary. Anything else is ignored. Pure.
 */
export function objectStatus(live: {
  readonly metadata?: { readonly generation?: number };
  readonly status?: unknown;
}): ObjectStatus {
  const status = (typeof live.status === 'object' && live.status !== null ? live.status : {}) as {
    conditions?: NimbusCondition[];
    summary?: unknown;
    images?: unknown;
  };
  const ready = Array.isArray(status.conditions)
    ? conditionViews(status.conditions, live.metadata?.generation).find((c) => c.type === 'Ready')
    : undefined;
  const summary = scanSummary(status.summary, status.images);
  return { ...(ready ? { ready } : {}), ...(summary ? { summary } : {}) };
}

function scanSummary(summary: unknown, images: unknown): string | undefined {
  if (typeof summary !== 'object' || summary === null) return undefined;
  const counts = summary as Record<string, unknown>;
  if (!SEVERITIES.some((s) => typeof counts[s] === 'number')) return undefined;
  const found = SEVERITIES.flatMap((s) => {
    const n = counts[s];
    return typeof n === 'number' && n > 0 ? [`${n} ${s}`] : [];
  });
  const scanned = typeof images === 'number' ? `${images} image${images === 1 ? '' : 's'}: ` : '';
  return `${scanned}${found.length > 0 ? found.join(', ') : 'no vulnerabilities'}`;
}
