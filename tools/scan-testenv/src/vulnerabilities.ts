import { createHash } from 'node:crypto';
import type { ClairVulnerabilityInput } from '@nimbus-ts/scan-api';

/** Clair's normalized severities, lowest first (claircore's `Severity` names). */
export const CLAIR_SEVERITIES = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'] as const;
/** A Clair normalized severity. */
export type ClairSeverity = (typeof CLAIR_SEVERITIES)[number];

/**
 * The updater name claircore v1.5.48's Debian updater stores with every vulnerability. One name covers all
 * releases (older claircore used `debian/updater/<codename>`); the matcher only reads the latest update
 * operation per updater name, so every record of one import must carry the same name.
 */
export const DEBIAN_UPDATER = 'debian/updater';

/** The Debian security tracker's urgencies that claircore maps to a severity; anything else is Unknown. */
export type DebianUrgency = 'unimportant' | 'low' | 'medium' | 'high' | 'not yet assigned' | 'end-of-life';

/**
 * claircore's Debian severity mapping: one level up from the tracker's urgency (`low` → Medium,
 * `medium` → High, `high` → Critical, `unimportant` → Low), everything else Unknown.
 */
export function debianNormalizedSeverity(urgency: string): ClairSeverity {
  switch (urgency.toLowerCase()) {
    case 'unimportant':
      return 'Low';
    case 'low':
      return 'Medium';
    case 'medium':
      return 'High';
    case 'high':
      return 'Critical';
    default:
      return 'Unknown';
  }
}

/** A Debian release as claircore names it. */
export interface DebianRelease {
  /** `VERSION_ID`, e.g. `12`. */
  readonly versionId: string;
  /** `VERSION_CODENAME`, e.g. `bookworm`. */
  readonly codename: string;
}

/** Debian 12. */
export const BOOKWORM: DebianRelease = { versionId: '12', codename: 'bookworm' };

/** claircore's Distribution JSON. */
export interface ClairDistribution {
  readonly did: string;
  readonly name: string;
  readonly version: string;
  readonly version_code_name: string;
  readonly version_id: string;
  readonly pretty_name: string;
}

/**
 * The distribution claircore's Debian scanner derives from an image's os-release, field for field; the
 * Debian matcher selects vulnerabilities whose `did`, `name` and `version` equal the image's.
 */
export function debianDistribution(release: DebianRelease): ClairDistribution {
  return {
    did: 'debian',
    name: 'Debian GNU/Linux',
    version: `${release.versionId} (${release.codename})`,
    version_code_name: release.codename,
    version_id: release.versionId,
    pretty_name: `Debian GNU/Linux ${release.versionId} (${release.codename})`,
  };
}

/**
 * claircore's Vulnerability JSON as the jsonblob format carries it (the fields the Debian updater sets). It extends
 * what the report summary reads, so tsc fails if the harness's records and `@nimbus-ts/scan-api` drift apart.
 */
export interface ClairVulnerabilityRecord extends ClairVulnerabilityInput {
  readonly id: string;
  readonly updater: string;
  readonly name: string;
  readonly description: string;
  readonly issued: string;
  readonly links: string;
  readonly severity: string;
  readonly normalized_severity: ClairSeverity;
  readonly package: {
    readonly id: string;
    readonly name: string;
    readonly version: string;
    readonly kind: 'source' | 'binary';
  };
  readonly distribution: ClairDistribution;
  readonly fixed_in_version: string;
}

/** One line of claircore's jsonblob NDJSON, the format `clairctl import-updaters` reads. */
export interface JsonblobRecord {
  /** Groups records into update operations together with `Ref`; see {@link DEBIAN_UPDATER}. */
  readonly Updater: string;
  /** Opaque; an import whose fingerprint equals one already stored for the updater is skipped. */
  readonly Fingerprint: string;
  readonly Date: string;
  readonly Kind: 'vulnerability';
  /** UUID of the update operation; consecutive records with one Ref form one operation. */
  readonly Ref: string;
  readonly Vuln: ClairVulnerabilityRecord;
}

/** One advisory of a synthetic Debian security tracker. */
export interface DebianAdvisory {
  /** Vulnerability name, e.g. `CVE-2099-1001`. */
  readonly name: string;
  /**
   * Source package name. Debian's tracker is keyed by source package, and claircore matches it against each
   * installed binary package's source (a record for `openssl` covers `libssl3` and `openssl`).
   */
  readonly sourcePackage: string;
  /**
   * First fixed version, compared with the installed binary version by Debian's ordering. `''` means no fix
   * is known (every installed version matches); `'0'` means the release was never affected.
   */
  readonly fixedVersion: string;
  readonly urgency: DebianUrgency;
  readonly description?: string;
  /** RFC 3339; default the operation's date. */
  readonly issued?: string;
  /** The release this advisory is for; default the operation's. */
  readonly release?: DebianRelease;
}

/** Input of {@link debianUpdateOperation}. */
export interface DebianUpdateOperation {
  /**
   * Every advisory the operation holds. An update operation is a full snapshot: the matcher reads only the
   * latest operation of an updater, so a later operation must repeat the earlier advisories it keeps.
   */
  readonly advisories: readonly DebianAdvisory[];
  /** Default Debian 12 (bookworm). */
  readonly release?: DebianRelease;
  /** RFC 3339 date of the operation; default `2026-01-01T00:00:00Z`, so fixtures are reproducible. */
  readonly date?: string;
  /** Default derived from the content, so distinct content gives a distinct fingerprint. */
  readonly fingerprint?: string;
  /** Default derived from the fingerprint. */
  readonly ref?: string;
}

/** A UUID-shaped (version 4 layout) string derived from `seed`, for reproducible operation refs. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x40;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Builds one update operation of claircore's Debian updater as jsonblob records: the same fields the
 * real updater writes when it parses the security tracker (source-package records, the release's
 * distribution, the tracker link, the urgency as vendor severity and its normalized severity).
 */
export function debianUpdateOperation(op: DebianUpdateOperation): JsonblobRecord[] {
  const release = op.release ?? BOOKWORM;
  const date = op.date ?? '2026-01-01T00:00:00Z';
  const fingerprint =
    op.fingerprint ??
    `sha256:${createHash('sha256')
      .update(JSON.stringify({ release, advisories: op.advisories }))
      .digest('hex')}`;
  const ref = op.ref ?? uuidFrom(fingerprint);
  return op.advisories.map((a) => ({
    Updater: DEBIAN_UPDATER,
    Fingerprint: fingerprint,
    Date: date,
    Kind: 'vulnerability',
    Ref: ref,
    Vuln: {
      id: '',
      updater: DEBIAN_UPDATER,
      name: a.name,
      description: a.description ?? `${a.name} in ${a.sourcePackage} (synthetic nimbus-ts test advisory)`,
      issued: a.issued ?? date,
      links: `https://security-tracker.debian.org/tracker/${a.name}`,
      severity: a.urgency,
      normalized_severity: debianNormalizedSeverity(a.urgency),
      package: { id: '', name: a.sourcePackage, version: '', kind: 'source' },
      distribution: debianDistribution(a.release ?? release),
      fixed_in_version: a.fixedVersion,
    },
  }));
}

/** Renders records as NDJSON: one JSON object per line, newline-terminated. */
export function toNdjson(records: readonly JsonblobRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Parses NDJSON text into records (blank lines ignored). */
export function parseNdjson(text: string): JsonblobRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonblobRecord);
}
