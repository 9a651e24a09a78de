/**
 * The Slack message about vulnerabilities of an image: a `text` fallback (what notifications and old
 * clients show) and Block Kit `blocks`. Pure, so the wording and Slack's limits are tested without Slack.
 */
import type { SeverityCounts, SeverityThreshold } from '@nimbus-ts/scan-api';
import { findingOrder } from '@nimbus-ts/scan-api';
import { SHORT_DIGEST_LENGTH } from '../report/report-name.js';
import type { NotifiableFinding } from './finding.js';

/** Slack's limits on an incoming-webhook message (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  /** `text` beyond this is cut by Slack. */
  text: 40_000,
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
} as const;

/** A Block Kit text object. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}

/** The three block types the messages use. */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText & { readonly type: 'plain_text' } }
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'section'; readonly fields: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/** The JSON body of an incoming-webhook POST. */
export interface SlackPayload {
  /** The notification fallback; required by Slack even when `blocks` are given. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** The image a message is about (a VulnerabilityReport's `image` satisfies it). */
export interface SlackImage {
  /** Registry host, e.g. `ghcr.io`; shown under the image when given. */
  readonly registry?: string;
  /** e.g. `library/nginx`. */
  readonly repository: string;
  readonly tag?: string;
  /** The platform manifest digest, `sha256:…`. */
  readonly digest: string;
}

/** Everything {@link findingsMessage} needs. */
export interface FindingsMessageInput {
  /** As returned by `newlyNotifiable`: the first message about the image, or news from a rescan. */
  readonly kind: 'threshold-crossed' | 'new-findings';
  readonly namespace: string;
  readonly image: SlackImage;
  readonly threshold: SeverityThreshold;
  /** The findings to announce; the caller sends nothing when there are none. */
  readonly findings: readonly NotifiableFinding[];
  /** Counts of every finding of the image, whatever the threshold (the report's `report.summary`). */
  readonly summary?: SeverityCounts;
  /** The ImageScanPolicy that asked for the notification. */
  readonly policy?: string;
  /** What found them, e.g. `rescan` or `Clair notification 5e4b…`. */
  readonly source?: string;
  /** When they were found; shown as ISO 8601. */
  readonly time?: Date;
  /** The most vulnerabilities listed one per line; the rest are counted as "and M more". Default 20. */
  readonly maxListed?: number;
}

const DEFAULT_MAX_LISTED = 20;
const MAX_PACKAGES_PER_LINE = 3;
const MAX_URL_LENGTH = 1000;
// Per-part caps keep every line far below a section's 3000 characters, so packing never has to cut one.
// All are counted after escaping.
const MAX_ID_LENGTH = 200;
const MAX_PACKAGE_LENGTH = 150;
const MAX_VERSION_LENGTH = 80;

/** Escapes Slack's three mrkdwn control characters, so untrusted text cannot form links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `raw` and cuts it so the escaped text is at most `max` characters, ending in `…` when cut.
 * Cutting before escaping could split an entity such as `&amp;`, and cutting after could exceed the limit
 * by the entities' length; this counts escaped characters as it goes.
 */
export function fitMrkdwn(raw: string, max: number): string {
  const full = escapeMrkdwn(raw);
  if (full.length <= max) return full;
  let out = '';
  for (const char of raw) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Cuts plain text to `max` characters (code points, never half a surrogate pair), ending in `…`. */
export function fitPlain(raw: string, max: number): string {
  const chars = [...raw];
  return chars.length <= max ? raw : `${chars.slice(0, max - 1).join('')}…`;
}

/** `repository@sha256:<12 hex>`: enough of the digest to tell images apart in a channel. */
export function shortImageName(image: Pick<SlackImage, 'repository' | 'digest'>): string {
  const [algorithm, hex] = image.digest.split(':');
  const short = hex === undefined ? image.digest : `${algorithm}:${hex.slice(0, SHORT_DIGEST_LENGTH)}`;
  return `${image.repository}@${short}`;
}

/**
 * An mrkdwn link `<url|label>` to the first usable advisory URL, or `undefined`. Only http(s) URLs are
 * linked; `|` is percent-encoded because it would end the URL, and `&<>` are escaped as everywhere else.
 */
export function advisoryLink(links: readonly string[] | undefined, escapedLabel: string): string | undefined {
  for (const link of links ?? []) {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    const href = escapeMrkdwn(url.href.replace(/\|/g, '%7C'));
    if (href.length > MAX_URL_LENGTH) continue;
    return `<${href}|${escapedLabel}>`;
  }
  return undefined;
}

/** Builds the Slack message announcing `input.findings` for one image. */
export function findingsMessage(input: FindingsMessageInput): SlackPayload {
  const groups = groupById([...input.findings].sort(findingOrder(input.threshold)));
  const image = shortImageName(input.image);
  const counts = countBySeverity(groups);
  const noun = groups.length === 1 ? 'vulnerability' : 'vulnerabilities';
  const headline =
    input.kind === 'threshold-crossed'
      ? `${image} in ${input.namespace} has ${groups.length} ${noun} at or above ${input.threshold}`
      : `${groups.length} new ${noun} at or above ${input.threshold} in ${input.namespace}: ${image}`;
  const text = fitMrkdwn(`${headline}${counts ? ` (${counts})` : ''}`, SLACK_LIMITS.text);

  const header: SlackBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: fitPlain(
        input.kind === 'threshold-crossed'
          ? `Vulnerabilities at or above ${input.threshold} in ${input.namespace}`
          : `New vulnerabilities in ${input.namespace}`,
        SLACK_LIMITS.headerText,
      ),
    },
  };
  const fields: SlackBlock = { type: 'section', fields: messageFields(input, image, groups.length, counts) };
  const context = contextBlock(input);
  const fixed = context ? 3 : 2;
  const listBlocks = findingSections(
    groups,
    input.maxListed ?? DEFAULT_MAX_LISTED,
    SLACK_LIMITS.blocks - fixed,
  );
  return { text, blocks: [header, fields, ...listBlocks, ...(context ? [context] : [])] };
}

/** The findings of one vulnerability ID, most severe package first. */
interface FindingGroup {
  readonly id: string;
  readonly findings: readonly NotifiableFinding[];
}

// One line per vulnerability, not per package: the ledger remembers vulnerabilities, and a CVE in both
// libssl3 and openssl is one thing to fix.
function groupById(sorted: readonly NotifiableFinding[]): FindingGroup[] {
  const byId = new Map<string, NotifiableFinding[]>();
  for (const finding of sorted) {
    const list = byId.get(finding.id);
    if (list) list.push(finding);
    else byId.set(finding.id, [finding]);
  }
  return [...byId].map(([id, findings]) => ({ id, findings }));
}

// "1 Critical, 2 High": the severities of the listed vulnerabilities, each counted once.
function countBySeverity(groups: readonly FindingGroup[]): string {
  const counts = new Map<string, number>();
  for (const group of groups) {
    const severity = group.findings[0]?.severity ?? 'Unknown';
    counts.set(severity, (counts.get(severity) ?? 0) + 1);
  }
  return [...counts].map(([severity, n]) => `${n} ${severity}`).join(', ');
}

function messageFields(
  input: FindingsMessageInput,
  image: string,
  vulnerabilities: number,
  counts: string,
): SlackText[] {
  const field = (title: string, rawValue: string): SlackText => ({
    type: 'mrkdwn',
    text: `*${title}*\n${fitMrkdwn(rawValue, SLACK_LIMITS.fieldText - title.length - 3)}`,
  });
  const origin = [
    input.image.registry ? `from ${input.image.registry}` : '',
    input.image.tag ? `tag ${input.image.tag}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const fields = [
    field('Image', `${image}${origin ? `\n${origin}` : ''}`),
    field('Namespace', input.namespace),
    field(
      input.kind === 'threshold-crossed' ? `At or above ${input.threshold}` : 'New',
      `${vulnerabilities}${counts ? ` (${counts})` : ''}`,
    ),
  ];
  if (input.summary) {
    const s = input.summary;
    fields.push(
      field(
        'All findings in the image',
        `Critical ${s.critical} · High ${s.high} · Medium ${s.medium} · Low ${s.low} · ` +
          `Negligible ${s.negligible} · Unknown ${s.unknown}`,
      ),
    );
  }
  if (input.policy) fields.push(field('Policy', input.policy));
  return fields.slice(0, SLACK_LIMITS.fields);
}

function contextBlock(input: FindingsMessageInput): SlackBlock | undefined {
  const parts = [input.source ? `source: ${input.source}` : '', input.time ? input.time.toISOString() : ''];
  const raw = parts.filter(Boolean).join(' · ');
  if (!raw) return undefined;
  return { type: 'context', elements: [{ type: 'mrkdwn', text: fitMrkdwn(raw, SLACK_LIMITS.fieldText) }] };
}

// Lines packed into as few sections as fit 3000 characters, within the blocks left; what does not fit in
// maxListed lines or in the blocks is summed up as "…and M more".
function findingSections(
  groups: readonly FindingGroup[],
  maxListed: number,
  maxBlocks: number,
): SlackBlock[] {
  const sections: string[] = [];
  let listed = 0;
  // One block stays free for the "and M more" line in case it does not fit the last section.
  for (const group of groups.slice(0, Math.max(0, maxListed))) {
    const line = findingLine(group);
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SLACK_LIMITS.sectionText) {
      sections[sections.length - 1] = `${last}\n${line}`;
    } else if (sections.length < maxBlocks - 1) {
      sections.push(line);
    } else {
      break;
    }
    listed++;
  }
  const more = groups.length - listed;
  if (more > 0) {
    const line = `…and ${more} more`;
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SLACK_LIMITS.sectionText) {
      sections[sections.length - 1] = `${last}\n${line}`;
    } else {
      sections.push(line);
    }
  }
  return sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

// "• *High* <https://…|CVE-2024-1234>  `openssl 3.0.2` → `3.0.8`, `libssl3 3.0.2` → no fix yet"
function findingLine(group: FindingGroup): string {
  const first = group.findings[0];
  const label = fitMrkdwn(group.id, MAX_ID_LENGTH);
  const id = advisoryLink(first?.links, label) ?? label;
  const shown = group.findings.slice(0, MAX_PACKAGES_PER_LINE).map(packageChange);
  const hidden = group.findings.length - shown.length;
  if (hidden > 0) shown.push(`+${hidden} more ${hidden === 1 ? 'package' : 'packages'}`);
  return `• *${first?.severity ?? 'Unknown'}* ${id}  ${shown.join(', ')}`;
}

function packageChange(finding: NotifiableFinding): string {
  const installed = code(
    `${inCode(finding.package, MAX_PACKAGE_LENGTH)} ${inCode(finding.installedVersion, MAX_VERSION_LENGTH)}`,
  );
  const fixed = finding.fixedVersion ? code(inCode(finding.fixedVersion, MAX_VERSION_LENGTH)) : 'no fix yet';
  return `${installed} → ${fixed}`;
}

// Code spans stop `_`, `*` and `~` in package names and versions from turning into formatting; a backtick
// would end the span, so it becomes a quote.
function inCode(raw: string, max: number): string {
  return fitMrkdwn(raw.replace(/`/g, "'"), max);
}

function code(escaped: string): string {
  return `\`${escaped}\``;
}
