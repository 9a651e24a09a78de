import {
  nodePlatform,
  normalizePlatform,
  type Platform,
  type PodLike,
  podImages,
  type SkippedImage,
} from '@nimbus-ts/registry';
import type { ImageScanPolicy } from '@nimbus-ts/scan-api';

/** A pod as the scanner reads it: identity, labels, and what `podImages` needs. */
export interface ScannedPod extends PodLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    // A string on the wire; typed as client-node types it so the cache can hold these pods.
    readonly deletionTimestamp?: Date;
  };
  readonly status?: PodLike['status'] & { readonly phase?: string };
}

/** One image in use by the selected pods: where to get it, on which platform, and who uses it. */
export interface ImageUse {
  readonly registry: string;
  readonly repository: string;
  /** The digest the runtime pulled by. */
  readonly digest: string;
  readonly platform: Platform;
  /** Pods using it (name and uid, for the report's owner references), sorted by name. */
  readonly pods: readonly { readonly name: string; readonly uid: string }[];
  /** Where its credentials are: the first using pod's pull secrets, then its service account's. */
  readonly pullSecrets: readonly string[];
  readonly serviceAccountName: string;
}

/** What a policy selects: its images, and the containers that cannot be scanned with why. */
export interface ScanPlan {
  readonly images: readonly ImageUse[];
  readonly skipped: readonly (SkippedImage & { readonly pod: string })[];
}

/**
 * The pod annotation that leaves vulnerabilities without a fixed version out of the reports of the pod's images
 * (as image-scanner-operator's `ignore-unfixed`). Set it in a workload's pod template.
 */
export const IGNORE_UNFIXED_ANNOTATION = 'scanning.nimbus-ts.io/ignore-unfixed';

/**
 * Whether the report of an image leaves unfixed vulnerabilities out because of its pods: only when every pod
 * running it says so — a report is shared by its pods, and one pod that did not ask must still see them.
 */
export function podsIgnoreUnfixed(pods: readonly ScannedPod[]): boolean {
  return (
    pods.length > 0 && pods.every((pod) => pod.metadata?.annotations?.[IGNORE_UNFIXED_ANNOTATION] === 'true')
  );
}

/** Whether a pod's labels satisfy a `matchLabels` selector (empty selects every pod). */
export function selects(matchLabels: Readonly<Record<string, string>> | undefined, pod: ScannedPod): boolean {
  return Object.entries(matchLabels ?? {}).every(([k, v]) => pod.metadata?.labels?.[k] === v);
}

/** Whether a pod counts for scanning: not finished and not being deleted. */
function running(pod: ScannedPod): boolean {
  return (
    !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed'
  );
}

/** The single-platform image a VulnerabilityReport is about: what its `image` field records. */
export interface ReportedManifest {
  readonly registry: string;
  readonly repository: string;
  /** The image manifest's digest: what Clair indexed and the report is named by. */
  readonly digest: string;
  /** The index (multi-arch image) it was chosen from for its platform, when the pods pulled one. */
  readonly indexDigest?: string | undefined;
  /** The manifest's platform. */
  readonly platform: Platform;
}

/**
 * Whether a container that pulled `pulled` on a node of `node`'s platform runs the manifest `report` is about:
 * when it pulled that manifest itself, or the index it comes from on a node of the manifest's OS and CPU — the
 * one manifest of the index such a node runs (node labels carry no variant, so the variant is not compared).
 * A pod on another platform pulling the same index runs another manifest, with a report of its own.
 */
export function runsReportedManifest(
  pulled: { readonly registry: string; readonly repository: string; readonly digest: string },
  node: Platform,
  report: ReportedManifest,
): boolean {
  if (pulled.registry !== report.registry || pulled.repository !== report.repository) return false;
  if (pulled.digest === report.digest) return true;
  if (report.indexDigest === undefined || pulled.digest !== report.indexDigest) return false;
  const have = normalizePlatform(node);
  const want = normalizePlatform(report.platform);
  return have.os === want.os && have.architecture === want.architecture;
}

/**
 * Every running pod of `namespace` that runs the manifest `report` is about, whichever policy selects it, sorted
 * by name: the owners of its VulnerabilityReport, which is one per image manifest and namespace however many
 * policies select its pods — so two policies never fight over it. Of a multi-arch image, only the pods on nodes
 * of the manifest's platform (from `nodeLabels`, as {@link planScan} resolves it): when the last of them goes,
 * the garbage collector deletes that platform's report, whatever runs on other platforms.
 */
export function podsUsing(
  pods: readonly ScannedPod[],
  namespace: string,
  report: ReportedManifest,
  nodeLabels: (nodeName: string) => Readonly<Record<string, string>> | undefined,
): ScannedPod[] {
  return pods
    .filter((pod) => pod.metadata?.namespace === namespace && running(pod))
    .filter((pod) => {
      const found = podImages(pod);
      const node = nodePlatform(found.nodeName ? nodeLabels(found.nodeName) : undefined);
      return found.images.some((i) =>
        runsReportedManifest(
          { registry: i.reference.registry, repository: i.reference.repository, digest: i.digest },
          node,
          report,
        ),
      );
    })
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * The images a policy has to scan: of the running pods in its namespace that it selects, every container's
 * digest (never the tag), grouped by image and platform so each is scanned once however many pods use it.
 * Finished and terminating pods are left out. Pure: the controller passes its caches in.
 */
export function planScan(
  policy: ImageScanPolicy,
  pods: readonly ScannedPod[],
  nodeLabels: (nodeName: string) => Readonly<Record<string, string>> | undefined,
): ScanPlan {
  const byKey = new Map<string, ImageUse & { pods: { name: string; uid: string }[] }>();
  const skipped: (SkippedImage & { pod: string })[] = [];
  const selected = pods
    .filter((pod) => pod.metadata?.namespace === policy.metadata.namespace)
    .filter(running)
    .filter((pod) => selects(policy.spec.selector.matchLabels, pod))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const pod of selected) {
    const found = podImages(pod);
    const name = pod.metadata?.name ?? '';
    for (const s of found.skipped) skipped.push({ ...s, pod: name });
    const platform = nodePlatform(found.nodeName ? nodeLabels(found.nodeName) : undefined);
    for (const image of found.images) {
      const { registry, repository } = image.reference;
      const key = `${registry}/${repository}@${image.digest}|${platform.os}/${platform.architecture}`;
      const use = byKey.get(key) ?? {
        registry,
        repository,
        digest: image.digest,
        platform,
        pods: [],
        pullSecrets: found.pullSecrets,
        serviceAccountName: found.serviceAccountName,
      };
      if (!use.pods.some((p) => p.name === name)) use.pods.push({ name, uid: pod.metadata?.uid ?? '' });
      byKey.set(key, use);
    }
  }
  const images = [...byKey.values()].sort((a, b) =>
    `${a.registry}/${a.repository}@${a.digest}`.localeCompare(`${b.registry}/${b.repository}@${b.digest}`),
  );
  return { images, skipped };
}
