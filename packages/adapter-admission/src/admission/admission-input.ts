/**
 * What a review asks about, whichever API it came through: the images a pod would run, where its labels and
 * credentials are, and what to name in messages and Events. The parsers of AdmissionReview and ImageReview
 * produce it; the decisions read nothing else.
 */

/** Which list of the pod spec a container is in. */
export type ContainerSource = 'container' | 'initContainer' | 'ephemeralContainer';

/** One container's image as the request writes it. */
export interface ReviewedImage {
  /** The image reference as written, e.g. `nginx:1.27`. */
  readonly image: string;
  /** The container's name; absent on the ImageReview path, which sends images only. */
  readonly container?: string;
  /** The container's list; absent on the ImageReview path, which merges the three lists. */
  readonly source?: ContainerSource;
}

/** The object under review, for messages and Events. */
export interface AdmissionSubject {
  /** `Pod`, `Deployment`, `CronJob`, … */
  readonly kind: string;
  /** The API group, `''` for the core group. */
  readonly group: string;
  readonly namespace: string;
  /**
   * The object's name; for an object created with `generateName` (a ReplicaSet's pods), the prefix. Absent
   * on the ImageReview path.
   */
  readonly name?: string;
}

/** Everything the decisions and the scanner need from one review. */
export interface AdmissionInput {
  readonly namespace: string;
  /**
   * The pod's labels (a workload's pod template labels), which select policies. Undefined when the request
   * does not carry them (ImageReview): then every policy of the namespace applies.
   */
  readonly labels?: Readonly<Record<string, unknown>>;
  /** Every container image, in the order: init containers, containers, ephemeral containers. */
  readonly images: readonly ReviewedImage[];
  /** The pod's `imagePullSecrets` names, for the scanner to read private registries. */
  readonly pullSecrets: readonly string[];
  /** The pod's ServiceAccount (`default` when unset); unknown on the ImageReview path. */
  readonly serviceAccountName?: string;
  readonly subject: AdmissionSubject;
  /** A dry run persists nothing, so it records no Events either. */
  readonly dryRun: boolean;
}
