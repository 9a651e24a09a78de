import type {
  ImageAdmissionPolicySpec,
  ImageAdmissionPolicyStatus,
  ImageScanPolicySpec,
  ImageScanPolicyStatus,
  VulnerabilityReportImage,
  VulnerabilityReportReport,
} from './generated.js';

// Names for the parts of the generated types that the builders, the scanner and the report functions pass
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

/** The latest-tag check of an ImageAdmissionPolicy (present exactly when the rule is). */
export type LatestTagCheck = NonNullable<ImageAdmissionPolicySpec['disallowLatestTag']>;

/** The registry check of an ImageAdmissionPolicy: the action and the allowed registries. */
export type RegistryCheck = NonNullable<ImageAdmissionPolicySpec['allowedRegistries']>;

/** The vulnerability check of an ImageAdmissionPolicy: the action, threshold, unscanned-image rule and timeout. */
export type VulnerabilityCheck = NonNullable<ImageAdmissionPolicySpec['blockVulnerableImages']>;

/** What an ImageAdmissionPolicy check does about a violation: Block rejects the pod, Audit only reports it. */
export type ImageAdmissionAction = LatestTagCheck['action'];

/**
 * The severities an ImageAdmissionPolicy's vulnerability threshold may name: all six of Clair's, a wider enum
 * than {@link SeverityThreshold}, although the builder writes only the ones the intent accepts.
 */
export type ImageAdmissionThreshold = NonNullable<VulnerabilityCheck['severityThreshold']>;

/** What admission does with an image whose scan is not ready in time: Allow or Deny. */
export type UnscannedImages = NonNullable<VulnerabilityCheck['unscannedImages']>;

/** One status condition of an ImageAdmissionPolicy (the Kubernetes condition convention). */
export type ImageAdmissionCondition = NonNullable<ImageAdmissionPolicyStatus['conditions']>[number];
