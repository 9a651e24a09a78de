import type { KubernetesObject } from '@kubernetes/client-node';

/** The fields of a Clair adapter VulnerabilityReport this adapter reads. */
interface ReportLike extends KubernetesObject {
  readonly image?: {
    readonly registry?: string;
    readonly repository?: string;
    readonly tag?: string;
    readonly digest?: string;
  };
  readonly report?: {
    readonly truncated?: boolean;
    readonly vulnerabilities?: readonly { readonly id?: string }[];
  };
}

/** What the VulnerabilityReports in a policy's reach say about one CVE. */
export interface CveKnowledge {
  /** How many reports are in reach; zero means Clair says nothing here, so every image must be patched. */
  readonly reports: number;
  /**
   * Image references (Kyverno wildcard patterns) of the images Clair scanned completely and found free of the
   * CVE: only these are spared by the patch. Sorted, without duplicates.
   */
  readonly cleanImages: readonly string[];
  /** How many reports list the CVE (or are truncated, so cannot rule it out). */
  readonly affected: number;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The ways a pod spec may spell an image of `registry`/`repository`: with the registry, and for Docker Hub also
 * without it (and without `library/` for official images), as container runtimes accept.
 */
export function repositorySpellings(registry: string, repository: string): string[] {
  const spellings = [`${registry}/${repository}`];
  if (DOCKER_HUB.has(registry)) {
    spellings.push(`docker.io/${repository}`, repository);
    if (repository.startsWith('library/')) spellings.push(repository.slice('library/'.length));
  }
  return [...new Set(spellings)];
}

/**
 * The image references that certainly name the scanned manifest: by digest (with or without a tag before it), and
 * by the tag the pods used when they were scanned. A tag can move; the next report then changes, and with it the
 * policy.
 */
export function cleanImageReferences(image: NonNullable<ReportLike['image']>): string[] {
  if (!image.registry || !image.repository || !image.digest) return [];
  return repositorySpellings(image.registry, image.repository).flatMap((name) => [
    `${name}@${image.digest}`,
    ...(image.tag ? [`${name}:${image.tag}@${image.digest}`, `${name}:${image.tag}`] : []),
  ]);
}

/**
 * What the reports in reach say about `cve`: which images are known to be free of it. A report that lists the CVE,
 * or that was cut short (`truncated`) and so cannot rule it out, makes its image affected; the rest are clean.
 * Pure.
 *
 * @param reports - the VulnerabilityReports of the namespaces the policy applies to.
 */
export function cveKnowledge(cve: string, reports: readonly KubernetesObject[]): CveKnowledge {
  const id = cve.toUpperCase();
  const clean = new Set<string>();
  const dirty = new Set<string>();
  let affected = 0;
  for (const report of reports as readonly ReportLike[]) {
    const listed = (report.report?.vulnerabilities ?? []).some((v) => v.id?.toUpperCase() === id);
    const references = cleanImageReferences(report.image ?? {});
    if (listed || report.report?.truncated === true) {
      affected += 1;
      for (const r of references) dirty.add(r);
    } else {
      for (const r of references) clean.add(r);
    }
  }
  // A tag seen clean in one namespace and affected in another (it moved between scans) is not spared.
  const cleanImages = [...clean].filter((r) => !dirty.has(r)).sort();
  return { reports: reports.length, cleanImages, affected };
}
