/**
 * What a notification is about: one vulnerability in one package of an image, as a VulnerabilityReport
 * lists it. Only the fields a message shows and the ledger remembers are required, so callers can pass
 * `report.vulnerabilities` as they are, and tests can write findings by hand.
 */
import type { ReportedVulnerability } from '@nimbus-ts/scan-api';

/** One finding to notify about; `report.vulnerabilities[]` of a VulnerabilityReport satisfies it. */
export type NotifiableFinding = Pick<
  ReportedVulnerability,
  'id' | 'severity' | 'package' | 'installedVersion' | 'fixedVersion' | 'links'
>;
