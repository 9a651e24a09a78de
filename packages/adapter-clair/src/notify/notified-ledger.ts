/**
 * Which vulnerabilities of an image were already notified, so that each is sent once — across rescans,
 * Clair notifications and adapter restarts. Pure: the controller keeps the ledger of an image on its
 * VulnerabilityReport (see {@link NOTIFIED_ANNOTATION}) and writes it back after a message was sent.
 */
import { createHash } from 'node:crypto';
import type { SeverityThreshold } from '@nimbus-ts/scan-api';
import { atLeast, compareText, findingOrder } from '@nimbus-ts/scan-api';
import type { NotifiableFinding } from './finding.js';

/**
 * The prefix of the annotations of a VulnerabilityReport that hold its ledgers ({@link encodeLedger}), one per
 * Slack destination ({@link notifiedAnnotation}). Annotations rather than a status field: they are bookkeeping of
 * the notifier, not an observation about the image, and writing them does not race with the scanner's status writes.
 */
export const NOTIFIED_ANNOTATION = 'scanning.nimbus-ts.io/notified';

/**
 * The annotation holding the ledger of one Slack destination (the Secret key holding its webhook URL): each
 * destination hears about each vulnerability once, whichever policy of the namespace found it first — two policies
 * that share an image but notify different channels both get the message. The name is a short hash, since a
 * Secret name may be longer than an annotation name allows.
 */
export function notifiedAnnotation(destination: { readonly name: string; readonly key: string }): string {
  const hash = createHash('sha256')
    .update(`${destination.name}/${destination.key}`)
    .digest('hex')
    .slice(0, 16);
  return `${NOTIFIED_ANNOTATION}-${hash}`;
}

/** The notified ledgers among a report's annotations, to carry them over when the report is rewritten. */
export function notifiedAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([key]) => key.startsWith(`${NOTIFIED_ANNOTATION}-`)),
  );
}

/**
 * The default cap on an encoded ledger, in characters. Kubernetes allows 256 KiB for all annotations of
 * an object together; an eighth of that leaves room for everyone else and still holds ~2000 CVE IDs.
 */
export const MAX_LEDGER_LENGTH = 32 * 1024;

// Longer "IDs" are not vulnerability names; refusing them keeps one odd entry from eating the budget.
const MAX_ID_LENGTH = 256;

/** The vulnerabilities already notified for one image digest. */
export interface NotifiedLedger {
  /** The platform manifest digest the IDs belong to. */
  readonly digest: string;
  /** Vulnerability IDs, sorted and unique. */
  readonly ids: readonly string[];
}

/** What {@link newlyNotifiable} found. */
export interface NotifiableFindings {
  /**
   * `threshold-crossed`: nothing was notified for this image before, so this is the first message about
   * it and lists everything at or above the threshold; `new-findings`: a rescan or a Clair notification
   * brought vulnerabilities not notified yet.
   */
  readonly kind: 'threshold-crossed' | 'new-findings';
  /** The findings to send, most severe first; empty when there is nothing to say. */
  readonly findings: readonly NotifiableFinding[];
}

/** The result of {@link decodeLedger}: always a usable ledger, plus why the stored one was not used. */
export interface DecodedLedger {
  readonly ledger: NotifiedLedger;
  /** Set when a stored value was ignored: it was malformed or belongs to another digest. */
  readonly problem?: string;
}

/** A ledger with nothing notified yet. */
export function emptyLedger(digest: string): NotifiedLedger {
  return { digest, ids: [] };
}

/**
 * The findings that meet `threshold` (Unknown always does; see `atLeast`) and whose vulnerability was not
 * notified yet for this image, in report order. A vulnerability already notified stays quiet even if it
 * now affects another package too: the reader already knows the image has it.
 */
export function newlyNotifiable(
  previouslyNotified: NotifiedLedger,
  currentFindings: readonly NotifiableFinding[],
  threshold: SeverityThreshold,
): NotifiableFindings {
  const known = new Set(previouslyNotified.ids);
  const findings = currentFindings
    .filter((f) => atLeast(f.severity, threshold) && !known.has(f.id))
    .sort(findingOrder(threshold));
  return { kind: known.size === 0 ? 'threshold-crossed' : 'new-findings', findings };
}

/** Options of {@link record}. */
export interface RecordOptions {
  /**
   * The image's current findings. Only consulted when the ledger would exceed `maxLength`: IDs that are no
   * longer found are forgotten first, since only those can come back and be notified a second time.
   */
  readonly currentFindings?: readonly Pick<NotifiableFinding, 'id'>[];
  /** The cap on {@link encodeLedger}'s output; default {@link MAX_LEDGER_LENGTH}. */
  readonly maxLength?: number;
}

/**
 * The ledger after `sent` was notified. Call it only once the message was delivered, so that a dropped
 * message is tried again on the next reconcile.
 *
 * Caveat: when even the IDs still found do not fit `maxLength`, the alphabetically last are dropped — a
 * vulnerability notified twice is better than a report that can no longer be written.
 */
export function record(
  previouslyNotified: NotifiedLedger,
  sent: readonly Pick<NotifiableFinding, 'id'>[],
  options: RecordOptions = {},
): NotifiedLedger {
  const maxLength = options.maxLength ?? MAX_LEDGER_LENGTH;
  let ids = normalizeIds([...previouslyNotified.ids, ...sent.map((f) => f.id)]);
  const fits = () => encodeLedger({ digest: previouslyNotified.digest, ids }).length <= maxLength;
  if (!fits() && options.currentFindings) {
    const current = new Set(options.currentFindings.map((f) => f.id));
    ids = ids.filter((id) => current.has(id));
  }
  while (ids.length > 0 && !fits()) ids = ids.slice(0, -1);
  return { digest: previouslyNotified.digest, ids };
}

/** The ledger as the value of {@link NOTIFIED_ANNOTATION}: compact JSON with the IDs sorted. */
export function encodeLedger(ledger: NotifiedLedger): string {
  // JSON rather than a comma list: some sources name vulnerabilities with spaces, colons and commas
  // (Red Hat's "RHSA-2024:1234: openssl security update (Important)").
  return JSON.stringify({ digest: ledger.digest, ids: ledger.ids });
}

/**
 * Reads a stored ledger for `digest`. Never throws: the annotation may have been edited by hand, and a
 * broken one must not stop notifications. A missing, malformed or foreign value yields an empty ledger —
 * the image's findings are notified again once — and a malformed or foreign one says why in `problem`.
 */
export function decodeLedger(value: string | undefined, digest: string): DecodedLedger {
  const empty = emptyLedger(digest);
  if (value === undefined || value === '') return { ledger: empty };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { ledger: empty, problem: 'the stored ledger is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ledger: empty, problem: 'the stored ledger is not an object' };
  }
  const { digest: stored, ids } = parsed as { digest?: unknown; ids?: unknown };
  if (stored !== digest) {
    return { ledger: empty, problem: `the stored ledger belongs to ${String(stored)}, not ${digest}` };
  }
  if (!Array.isArray(ids)) return { ledger: empty, problem: 'the stored ledger has no list of IDs' };
  const strings = ids.filter((id): id is string => typeof id === 'string');
  const kept = normalizeIds(strings);
  return kept.length === ids.length
    ? { ledger: { digest, ids: kept } }
    : { ledger: { digest, ids: kept }, problem: 'the stored ledger had invalid or repeated IDs' };
}

function normalizeIds(ids: readonly string[]): string[] {
  const valid = ids.filter((id) => id !== '' && id.length <= MAX_ID_LENGTH);
  return [...new Set(valid)].sort(compareText);
}
