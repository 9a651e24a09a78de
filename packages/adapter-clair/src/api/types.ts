import type {
  ImageScanPolicySpec,
  ImageScanPolicyStatus,
  VulnerabilityReportImage,
  VulnerabilityReportReport,
} from './generated.js';

// Names for the parts of the generated types that the builder, the scanner and the report functions pass
// around. They are indexed out of the generated interfaces rather than declared again, so they follow every
// CRD change.

/** The severities an ImageScanPolicy's threshold may name. */
export type SeverityThreshold = NonNullable<ImageScanPolicySpec['severityThreshold']>;

/** An ImageScanPolicy's action: Block or Audit. */
export type ScanAction = NonNullable<ImageScanPolicySpec['action']>;

/** The Slack settings of an ImageScanPolicy: a reference to the Secret key that holds the webhook URL. */
export type SlackNotification = NonNullable<NonNullable<ImageScanPolicySpec['notify']>['slack']>;

/** One status condition of an ImageScanPolicy (the Kubernetes condition convention). */
export type ScanCondition = NonNullable<ImageScanPolicyStatus['conditions']>[number];

/** The image a VulnerabilityReport is about. */
export type ScannedImage = VulnerabilityReportImage;

/** The `report` field of a VulnerabilityReport: counts and the bounded list of findings. */
export type ScanReport = VulnerabilityReportReport;

/** One finding in a VulnerabilityReport: one vulnerability in one package. */
export type ReportedVulnerability = ScanReport['vulnerabilities'][number];

/** The counts of a VulnerabilityReport: by severity, all of them, and the fixable ones. */
export type ReportSummary = ScanReport['summary'];

/** Counts by severity, as in a VulnerabilityReport's fixableSummary. */
export type SeverityCounts = ScanReport['fixableSummary'];
