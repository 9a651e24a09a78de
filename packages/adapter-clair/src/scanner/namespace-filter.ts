/**
 * Which namespaces the scanner scans: the adapter-wide include list and exclude globs (as trivy-operator's
 * target/exclude namespaces and image-scanner-operator's include/exclude settings). An ImageScanPolicy in a
 * namespace outside them is told so in its Ready condition instead of being ignored silently.
 */

/** The adapter-wide namespace scope of scanning. */
export interface NamespaceFilter {
  /** Namespaces (exact names) to scan; empty: every namespace not excluded. */
  readonly include: readonly string[];
  /** Globs (`*` any run of characters, `?` one character) of namespaces never scanned. */
  readonly exclude: readonly string[];
}

/** System namespaces hold the control plane's images, which their vendor scans: left out unless asked. */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = Object.freeze(['kube-*']);

/** Scans every namespace except the default exclusions. */
export const DEFAULT_NAMESPACE_FILTER: NamespaceFilter = Object.freeze({
  include: [],
  exclude: DEFAULT_EXCLUDED_NAMESPACES,
});

/** Whether a namespace is scanned, and when not, why — for the policy's condition. */
export type NamespaceVerdict =
  | { readonly scanned: true }
  | { readonly scanned: false; readonly reason: string };

/** True when `name` matches `glob`, where `*` stands for any run of characters and `?` for one. */
export function globMatches(glob: string, name: string): boolean {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(name);
}

/** Whether the scanner scans `namespace` under `filter`; an exclusion wins over an inclusion. */
export function namespaceVerdict(namespace: string, filter: NamespaceFilter): NamespaceVerdict {
  const glob = filter.exclude.find((g) => globMatches(g, namespace));
  if (glob !== undefined) {
    return {
      scanned: false,
      reason: `namespace ${namespace} matches "${glob}" in the adapter's SCAN_EXCLUDE_NAMESPACES; remove it there to scan it`,
    };
  }
  if (filter.include.length > 0 && !filter.include.includes(namespace)) {
    return {
      scanned: false,
      reason: `namespace ${namespace} is not in the adapter's SCAN_NAMESPACES (${filter.include.join(', ')}); add it there to scan it`,
    };
  }
  return { scanned: true };
}
