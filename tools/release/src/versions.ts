/**
 * Where the release version is written besides the packages: the image references in deploy/ and the Helm
 * chart's version and appVersion. The public packages are versioned together (`.changeset/config.json`
 * `fixed`), so one version names the packages, the images and the chart of a release.
 */

/** The registry path our images are published under (see `.github/workflows/release.yml`). */
export const IMAGE_REPOSITORY_PREFIX = 'ghcr.io/nimbus-ts/';

const IMAGE_REFERENCE = /(ghcr\.io\/nimbus-ts\/[a-z0-9][a-z0-9-]*):([0-9A-Za-z][0-9A-Za-z.+_-]*)/g;

/** Every `ghcr.io/nimbus-ts/<name>:<tag>` reference in a manifest, in order. */
export function imageReferences(text: string): { readonly repository: string; readonly tag: string }[] {
  return [...text.matchAll(IMAGE_REFERENCE)].map((m) => ({ repository: m[1] ?? '', tag: m[2] ?? '' }));
}

/** `text` with every image reference of ours retagged to `version`; other images are left alone. */
export function retagImages(text: string, version: string): string {
  return text.replace(IMAGE_REFERENCE, (_all, repository: string) => `${repository}:${version}`);
}

/**
 * A Chart.yaml with `version` and `appVersion` set to `version`. Only those two top-level keys change, so
 * comments and the order of everything else survive (a YAML round trip would lose them).
 *
 * @throws Error when the chart lacks either key: a chart without them is not a chart Helm accepts.
 */
export function setChartVersion(chartYaml: string, version: string): string {
  let result = chartYaml;
  for (const key of ['version', 'appVersion']) {
    const line = new RegExp(`^${key}:.*$`, 'm');
    if (!line.test(result)) throw new Error(`Chart.yaml has no top-level "${key}:" line`);
    result = result.replace(line, `${key}: ${JSON.stringify(version)}`);
  }
  return result;
}

/** The top-level `version` and `appVersion` of a Chart.yaml, as written (quotes removed). */
export function chartVersions(chartYaml: string): {
  readonly version?: string;
  readonly appVersion?: string;
} {
  const read = (key: string) =>
    new RegExp(`^${key}:\\s*["']?([^"'\\s#]+)["']?`, 'm').exec(chartYaml)?.[1] ?? undefined;
  const version = read('version');
  const appVersion = read('appVersion');
  return { ...(version ? { version } : {}), ...(appVersion ? { appVersion } : {}) };
}
