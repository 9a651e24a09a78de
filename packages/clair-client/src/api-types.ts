/**
 * The JSON of Clair v4's HTTP API exactly as it is on the wire: claircore's Go structs serialised by
 * their json tags. Where Clair's OpenAPI examples disagree with the structs (`dist`/`repo` in
 * vulnerabilities, `normalized_severity` in notifications) the structs win, because they are what is sent.
 * Maps are keyed by IDs local to one document. Report maps are always present, but Go writes a nil map
 * as `null`, so they are typed nullable; fields Go omits when empty are optional.
 */

/** Severities after Clair's per-source normalisation (Debian is shifted up one level, Alpine is Unknown). */
export type NormalizedSeverity = 'Unknown' | 'Negligible' | 'Low' | 'Medium' | 'High' | 'Critical';

/** One layer of a {@link ClairManifest}: where the indexer GETs the blob, with exactly these headers. */
export interface ClairLayer {
  /** The layer blob's digest. */
  readonly hash: string;
  readonly uri: string;
  /** Go's `http.Header`: every header name maps to its values, e.g. `{Authorization: ['Bearer …']}`. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** e.g. `application/vnd.oci.image.layer.v1.tar+gzip`; tar, `+gzip` and `+zstd` are understood. */
  readonly media_type?: string;
}

/** The body of `POST /indexer/api/v1/index_report`. */
export interface ClairManifest {
  /** The image manifest digest; Clair keys reports and notifications by it. */
  readonly hash: string;
  /** Must not be empty: Clair answers 400 "bogus manifest". */
  readonly layers: readonly ClairLayer[];
}

/** A package found in an image (also the `source` of a binary package, and the package of a vulnerability). */
export interface ClairPackage {
  readonly id?: string;
  readonly name: string;
  readonly version: string;
  /** `binary` or `source`. */
  readonly kind?: string;
  readonly source?: ClairPackage;
  readonly normalized_version?: string;
  readonly module?: string;
  readonly arch?: string;
  readonly cpe?: string;
}

/** The OS distribution of an image, as found from `os-release` and friends. */
export interface ClairDistribution {
  readonly id?: string;
  /** e.g. `debian`, `ubuntu`, `alpine`. */
  readonly did: string;
  readonly name: string;
  readonly version: string;
  readonly version_code_name: string;
  readonly version_id: string;
  readonly arch: string;
  readonly cpe: string;
  readonly pretty_name: string;
}

/** A package repository (a language ecosystem, a RHEL content set, …). */
export interface ClairRepository {
  readonly id?: string;
  /** Absent in the empty repository Clair attaches to vulnerabilities without one (`{"cpe": ""}`). */
  readonly name?: string;
  readonly key?: string;
  readonly uri?: string;
  readonly cpe?: string;
}

/** Where in the image a package was found. */
export interface ClairEnvironment {
  readonly package_db: string;
  /** The layer digest that introduced the package. */
  readonly introduced_in: string;
  readonly distribution_id: string;
  readonly repository_ids?: readonly string[] | null;
}

/** Indexer states (`indexer/controller/state.go` in claircore). */
export type IndexState =
  | 'Terminal'
  | 'CheckManifest'
  | 'FetchLayers'
  | 'ScanLayers'
  | 'Coalesce'
  | 'IndexManifest'
  | 'IndexError'
  | 'IndexFinished';

/** What the indexer found in a manifest. */
export interface IndexReport {
  readonly manifest_hash: string;
  readonly state: IndexState | (string & {});
  readonly success: boolean;
  /** Why indexing failed, when `success` is false. */
  readonly err: string;
  readonly packages: Readonly<Record<string, ClairPackage>> | null;
  readonly distributions: Readonly<Record<string, ClairDistribution>> | null;
  /** Singular on the wire. */
  readonly repository: Readonly<Record<string, ClairRepository>> | null;
  readonly environments: Readonly<Record<string, readonly ClairEnvironment[]>> | null;
}

/** One vulnerability affecting a package of the image. */
export interface ClairVulnerability {
  readonly id: string;
  /** The updater that produced it, e.g. `debian/updater`. */
  readonly updater: string;
  /** Usually the CVE or advisory ID. */
  readonly name: string;
  readonly description: string;
  readonly issued: string;
  /** Space-separated URLs. */
  readonly links: string;
  /** The source's own severity string, e.g. Debian's `high`. */
  readonly severity: string;
  readonly normalized_severity: NormalizedSeverity;
  readonly package?: ClairPackage | null;
  readonly distribution?: ClairDistribution | null;
  readonly repository?: ClairRepository | null;
  /** Empty when no fix is known. */
  readonly fixed_in_version: string;
  /** Affected version range, e.g. `{"[": "1.0", ")": "1.2"}`. */
  readonly range?: Readonly<Record<string, string>>;
  readonly arch_op?: 'equals' | 'not equals' | 'pattern match' | (string & {});
}

/** An image's vulnerabilities: the index report's contents plus the matches. */
export interface VulnerabilityReport {
  readonly manifest_hash: string;
  readonly packages: Readonly<Record<string, ClairPackage>> | null;
  readonly distributions: Readonly<Record<string, ClairDistribution>> | null;
  readonly repository: Readonly<Record<string, ClairRepository>> | null;
  readonly environments: Readonly<Record<string, readonly ClairEnvironment[]>> | null;
  /** By vulnerability ID. */
  readonly vulnerabilities: Readonly<Record<string, ClairVulnerability>> | null;
  /** Package ID → IDs of the vulnerabilities affecting it. */
  readonly package_vulnerabilities: Readonly<Record<string, readonly string[] | null>> | null;
  /** Enrichment type (e.g. CVSS) → records, opaque here. */
  readonly enrichments: Readonly<Record<string, readonly unknown[] | null>> | null;
}

/** A vulnerability in a notification (the notifier's VulnSummary). */
export interface NotificationVulnerability {
  readonly name: string;
  readonly description: string;
  /** The normalized severity's name (the OpenAPI example calls it `normalized_severity`; the wire does not). */
  readonly severity: NormalizedSeverity | (string & {});
  readonly fixed_in_version: string;
  readonly links: string;
  readonly package?: ClairPackage;
  readonly distribution?: ClairDistribution;
  readonly repo?: ClairRepository;
}

/** One manifest whose vulnerabilities changed. */
export interface ClairNotification {
  readonly id: string;
  /** The manifest hash the image was indexed with. */
  readonly manifest: string;
  readonly reason: 'added' | 'removed' | 'changed' | (string & {});
  readonly vulnerability: NotificationVulnerability;
}

/** One page of `GET /notifier/api/v1/notification/{id}`. */
export interface NotificationPage {
  readonly page: {
    readonly size: number;
    /** Pass as `next` for the following page; absent on the last page. */
    readonly next?: string;
  };
  readonly notifications: readonly ClairNotification[];
}

/** The body of the notifier's webhook POST. */
export interface NotificationWebhook {
  readonly notification_id: string;
  /** The URL of the notification's first page. */
  readonly callback: string;
}

/** Clair's error body. */
export interface ClairErrorBody {
  readonly code?: string;
  readonly message: string;
}
