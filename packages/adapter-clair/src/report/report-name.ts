// Names and labels of VulnerabilityReports.
//
// A report is named `<image>-<short digest>`: the last segment of the repository, made a DNS label (lower case,
// runs of anything but letters and digits turned into one dash, at most 50 characters), then the first 12 hex
// digits of the platform manifest digest — the width of Docker's short IDs. For example
// `registry.example.com/shop/web-frontend@sha256:3f2a…` gives `web-frontend-3f2a…` (12 digits). So:
//   - the name is a DNS-1123 label of at most 63 characters, valid for every kind of object and usable as a
//     label value;
//   - `kubectl get vulnreport` is readable, and the same image is found under the same name in every
//     namespace and after every rescan (the name depends on nothing else);
//   - a new digest (a rebuilt image) gets a new report; the old one should go once no pod runs its digest.
// 12 hex digits are 48 bits: two different digests under the same image name in one namespace collide with a
// probability of about n²/2⁴⁹, so a reader still compares `image.digest`, and a writer that finds a report of
// another digest under the name it wants must not overwrite it.
//
// Labels, for lookups with a label selector (values are limited to 63 characters, so none holds a whole digest
// or repository):
//   scanning.nimbus-ts.io/digest  the same 12 hex digits (the Digest printer column shows it)
//   scanning.nimbus-ts.io/image   the same image name as in the report's name
//   app.kubernetes.io/managed-by  nimbus-clair, to list every report the adapter wrote

/** The label holding the short digest. */
export const DIGEST_LABEL = 'scanning.nimbus-ts.io/digest';
/** The label holding the image name: the sanitised last segment of the repository. */
export const IMAGE_LABEL = 'scanning.nimbus-ts.io/image';
/** The well-known label naming the tool that manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Its value on reports: `managerName('clair')` of `@nimbus-ts/k8s`, as on the adapter's other objects. */
export const REPORT_MANAGER = 'nimbus-clair';

/** How many hex digits of the digest go into names and labels. */
export const SHORT_DIGEST_LENGTH = 12;
/** The longest image name part of a report name, leaving room for `-` and the short digest within 63. */
export const MAX_IMAGE_NAME_LENGTH = 63 - 1 - SHORT_DIGEST_LENGTH;

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** The first 12 hex digits of a `sha256:<64 hex>` digest. @throws Error for anything else. */
export function shortDigest(digest: string): string {
  const hex = DIGEST.exec(digest)?.[1];
  if (hex === undefined)
    throw new Error(`not a sha256 digest: "${digest}" (expected sha256:<64 lower-case hex>)`);
  return hex.slice(0, SHORT_DIGEST_LENGTH);
}

/**
 * The image name of a repository for names and labels: its last segment, lower case, every run of characters
 * other than letters and digits turned into one dash, no dash at either end, at most 50 characters; `image`
 * when nothing is left.
 */
export function imageName(repository: string): string {
  const last = repository.split('/').pop() ?? '';
  const sanitised = last
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = sanitised.slice(0, MAX_IMAGE_NAME_LENGTH).replace(/-+$/, '');
  return cut === '' ? 'image' : cut;
}

/** The name of the VulnerabilityReport for an image: `<image name>-<short digest>`, at most 63 characters. */
export function reportName(repository: string, digest: string): string {
  return `${imageName(repository)}-${shortDigest(digest)}`;
}

/** The labels of the VulnerabilityReport for an image. */
export function reportLabels(image: {
  readonly repository: string;
  readonly digest: string;
}): Record<string, string> {
  return {
    [DIGEST_LABEL]: shortDigest(image.digest),
    [IMAGE_LABEL]: imageName(image.repository),
    [MANAGED_BY_LABEL]: REPORT_MANAGER,
  };
}

/** A label selector (`key=value`) for the reports of a digest in a namespace: compare `image.digest` too. */
export function digestSelector(digest: string): string {
  return `${DIGEST_LABEL}=${shortDigest(digest)}`;
}
