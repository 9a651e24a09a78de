// Parameter parsing both image builders share: the scanning builder's rescan interval and the admission builder's
// scan timeout are written the same way, and both map an intent's action the same way.

import type { ScanAction } from './api/types.js';

/** A rescan interval: whole hours, minutes and seconds, e.g. `6h`, `90m`, `1h30m` (the CRD's pattern). */
export const RESCAN_INTERVAL_PATTERN = /^([0-9]+(h|m|s))+$/;

/**
 * The length of a rescan interval in seconds, or undefined when `text` is not one (see
 * {@link RESCAN_INTERVAL_PATTERN}). Limits are not checked here.
 */
export function rescanIntervalSeconds(text: string): number | undefined {
  if (!RESCAN_INTERVAL_PATTERN.test(text)) return undefined;
  const unit = { h: 3600, m: 60, s: 1 } as const;
  let seconds = 0;
  for (const [, amount, suffix] of text.matchAll(/([0-9]+)([hms])/g)) {
    seconds += Number(amount) * unit[suffix as keyof typeof unit];
  }
  return seconds;
}

/**
 * The ImageScanPolicy action for an intent's action: `Block` and `Enforce` (the tutorial's word for it) give
 * Block; anything else, unknown text included, Audit. Scanning only reports either way.
 */
export function scanAction(action: string): ScanAction {
  return action === 'Block' || action === 'Enforce' ? 'Block' : 'Audit';
}
