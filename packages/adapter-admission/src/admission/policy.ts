/**
 * The image admission policy as the decisions read it: the `spec` of the admission policy CRD plus the
 * metadata that identifies a version of it. Defined here rather than taken from the generated CRD types so
 * that the pure decisions depend on nothing but this shape, and tests can write policies as plain objects.
 */

/** What a rule does to an image that breaks it: refuse the request, or admit it with a warning and an Event. */
export type AdmissionAction = 'Block' | 'Audit';

/** The lowest severity a `blockVulnerableImages` rule counts (Unknown findings count at every threshold). */
export type AdmissionSeverityThreshold = 'Critical' | 'High' | 'Medium' | 'Low' | 'Negligible' | 'Unknown';

/** What `blockVulnerableImages` does with an image that has no scan result within the time budget. */
export type UnscannedImagesAction = 'Allow' | 'Deny';

/** The names of the rules a policy can hold, as they appear in its spec and in violation messages. */
export type AdmissionRule = 'disallowLatestTag' | 'allowedRegistries' | 'blockVulnerableImages';

/** The `disallowLatestTag` rule: no explicit `:latest`, and no reference without a tag or digest. */
export interface DisallowLatestTagRule {
  readonly action: AdmissionAction;
}

/** The `allowedRegistries` rule: images only from these registries (see `registry-match.ts` for the syntax). */
export interface AllowedRegistriesRule {
  readonly action: AdmissionAction;
  /** Hosts such as `docker.io`, `ghcr.io` or `127.0.0.1:5000`, optionally followed by a path prefix. */
  readonly registries: readonly string[];
}

/** The `blockVulnerableImages` rule: no image with findings at or above the threshold. */
export interface BlockVulnerableImagesRule {
  readonly action: AdmissionAction;
  readonly severityThreshold: AdmissionSeverityThreshold;
  readonly unscannedImages: UnscannedImagesAction;
  /** How long admission may wait for a scan of an image that has none yet. */
  readonly scanTimeoutSeconds: number;
}

/** An image admission policy: which pods of its namespace it selects and the rules they must follow. */
export interface ImageAdmissionPolicyView {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly generation?: number;
  };
  readonly spec: {
    /** Pods of the namespace whose labels include all of these; empty or absent selects every pod. */
    readonly selector: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly disallowLatestTag?: DisallowLatestTagRule;
    readonly allowedRegistries?: AllowedRegistriesRule;
    readonly blockVulnerableImages?: BlockVulnerableImagesRule;
  };
}
