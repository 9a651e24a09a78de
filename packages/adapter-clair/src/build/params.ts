// The parameters of a vulnerabilityScanning rule, read and checked. Each parameter of a NimbusPolicy rule is a
// list of strings; these take one value each, and an empty list counts as absent (as the ID pool says).

import type { SeverityThreshold } from '@nimbus-ts/scan-api';
import { DEFAULT_SEVERITY_THRESHOLD, rescanIntervalSeconds, SEVERITY_THRESHOLDS } from '@nimbus-ts/scan-api';

/** How often images are rescanned when the rule does not say: Clair's vulnerability data updates every 6h. */
export const DEFAULT_RESCAN_INTERVAL = '6h';

/** The shortest rescan interval, in seconds: rescanning more often only loads Clair and the registry. */
export const MIN_RESCAN_INTERVAL_SECONDS = 60;

/** The longest rescan interval, in seconds: a year. */
export const MAX_RESCAN_INTERVAL_SECONDS = 8760 * 3600;

/** The parameters a vulnerabilityScanning rule may have, with what each accepts (for error messages). */
const ACCEPTED = {
  severityThreshold: SEVERITY_THRESHOLDS.join(', '),
  rescanInterval: 'a duration in whole h, m and s from 1m to 8760h, e.g. 6h or 1h30m',
  ignoreUnfixed: 'true, false',
  slackWebhookSecret:
    "the Secret (in the policy's namespace) holding a Slack incoming-webhook URL, as <name>/<key> or <name> for key url",
} as const;

/** The Secret key read when `slackWebhookSecret` names only the Secret. */
export const DEFAULT_SLACK_SECRET_KEY = 'url';

// A Secret name (DNS-1123 subdomain) and, optionally, a key (what a Secret's data keys may be).
const SLACK_SECRET =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(\/([-._a-zA-Z0-9]+))?$/;

/** The names of the parameters a vulnerabilityScanning rule may have. */
export const SCAN_PARAMS = Object.keys(ACCEPTED) as readonly (keyof typeof ACCEPTED)[];

/** A vulnerabilityScanning rule's parameters, defaults filled in. */
export interface ScanParams {
  readonly severityThreshold: SeverityThreshold;
  readonly rescanInterval: string;
  readonly ignoreUnfixed: boolean;
  /** Where the Slack webhook URL is, when findings are to be sent to Slack. */
  readonly slackWebhookSecret?: { readonly name: string; readonly key: string };
}

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

/**
 * Reads the parameters of a vulnerabilityScanning rule.
 *
 * @throws Error listing every problem: an unknown parameter (with the accepted names), more than one value,
 * or a value a parameter does not accept (with the accepted values). Values are case-sensitive.
 */
export function scanParams(params: Readonly<Record<string, readonly string[]>> | undefined): ScanParams {
  const problems: string[] = [];
  const single = (name: keyof typeof ACCEPTED): string | undefined => {
    const values = params?.[name] ?? [];
    if (values.length > 1) {
      problems.push(
        `parameter "${name}" takes one value, got ${values.length} (${quoted(values)}); accepted values: ${ACCEPTED[name]}`,
      );
    }
    return values[0];
  };
  const reject = (name: keyof typeof ACCEPTED, value: string) =>
    problems.push(`parameter "${name}" does not accept "${value}"; accepted values: ${ACCEPTED[name]}`);

  for (const name of Object.keys(params ?? {})) {
    if (!(SCAN_PARAMS as readonly string[]).includes(name)) {
      problems.push(`there is no parameter "${name}"; accepted parameters: ${SCAN_PARAMS.join(', ')}`);
    }
  }

  let severityThreshold: SeverityThreshold = DEFAULT_SEVERITY_THRESHOLD;
  const threshold = single('severityThreshold');
  if (threshold !== undefined) {
    const known = SEVERITY_THRESHOLDS.find((t) => t === threshold);
    if (known === undefined) reject('severityThreshold', threshold);
    else severityThreshold = known;
  }

  let rescanInterval = DEFAULT_RESCAN_INTERVAL;
  const interval = single('rescanInterval');
  if (interval !== undefined) {
    const seconds = rescanIntervalSeconds(interval);
    if (
      seconds === undefined ||
      seconds < MIN_RESCAN_INTERVAL_SECONDS ||
      seconds > MAX_RESCAN_INTERVAL_SECONDS
    ) {
      reject('rescanInterval', interval);
    } else {
      rescanInterval = interval;
    }
  }

  let ignoreUnfixed = false;
  const ignore = single('ignoreUnfixed');
  if (ignore === 'true') ignoreUnfixed = true;
  else if (ignore !== undefined && ignore !== 'false') reject('ignoreUnfixed', ignore);

  let slackWebhookSecret: ScanParams['slackWebhookSecret'];
  const slack = single('slackWebhookSecret');
  if (slack !== undefined) {
    const match = SLACK_SECRET.exec(slack);
    if (!match || (match[1]?.length ?? 0) > 253) reject('slackWebhookSecret', slack);
    else slackWebhookSecret = { name: match[1] as string, key: match[6] ?? DEFAULT_SLACK_SECRET_KEY };
  }

  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    severityThreshold,
    rescanInterval,
    ignoreUnfixed,
    ...(slackWebhookSecret ? { slackWebhookSecret } : {}),
  };
}
