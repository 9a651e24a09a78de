import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { retagImages, setChartVersion } from './versions.js';
import { publicPackages } from './workspace.js';

/**
 * The version of the next release: the one version the public packages share.
 *
 * @throws Error naming the packages when they disagree (the changesets `fixed` group keeps them equal; a
 *   hand edit that breaks it must be fixed before releasing).
 */
export async function releaseVersion(root: string): Promise<string> {
  const packages = await publicPackages(root);
  const versions = new Set(packages.map((p) => p.version));
  if (versions.size !== 1) {
    const listed = packages.map((p) => `${p.name}@${p.version}`).join(', ');
    throw new Error(
      `the public packages must share one version, found ${listed}; ` +
        'fix: list them all in the "fixed" group of .changeset/config.json and run pnpm version-packages',
    );
  }
  return [...versions][0] as string;
}

/** Every file below `dir` whose name ends in one of `suffixes`, as paths relative to `root`. */
async function filesBelow(root: string, dir: string, suffixes: readonly string[]): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Writes the release version into deploy/: our image tags in every manifest and the Helm charts' `version`
 * and `appVersion`. Run by `pnpm version-packages` right after `changeset version`.
 *
 * @returns the files it changed, relative to `root`.
 */
export async function syncVersions(root: string): Promise<string[]> {
  const version = await releaseVersion(root);
  const changed: string[] = [];
  for (const file of await filesBelow(root, 'deploy', ['.yaml', '.yml'])) {
    const path = join(root, file);
    const before = await readFile(path, 'utf8');
    const after = file.endsWith('/Chart.yaml')
      ? setChartVersion(before, version)
      : retagImages(before, version);
    if (after !== before) {
      await writeFile(path, after);
      changed.push(file);
    }
  }
  return changed;
}
