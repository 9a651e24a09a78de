import { type PackageManifest, PUBLISHED_DEPENDENCY_FIELDS, type WorkspacePackage } from './workspace.js';

/**
 * Public packages that depend on a private workspace package. `pnpm publish` rewrites `workspace:^` to a
 * version range without checking that the target is published, so such a package publishes fine and then
 * fails every `npm install` with a 404. Only what reaches consumers counts (not `devDependencies`).
 */
export function privateDependencyProblems(packages: readonly WorkspacePackage[]): string[] {
  const privateNames = new Set(
    packages.filter((p) => p.manifest.private === true).map((p) => p.manifest.name),
  );
  const problems: string[] = [];
  for (const { dir, manifest } of packages) {
    if (manifest.private === true) continue;
    for (const field of PUBLISHED_DEPENDENCY_FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        if (!privateNames.has(name)) continue;
        problems.push(
          `${manifest.name} (${dir}) lists ${name} in ${field}, but ${name} is private and never published: ` +
            `installing ${manifest.name} from the registry fails with 404. Move it to devDependencies, ` +
            `or publish ${name}.`,
        );
      }
    }
  }
  return problems;
}

/** The URL of the project every package points at. */
export const PROJECT_URL = 'https://github.com/nimbus-ts/nimbus-ts';

/**
 * What a published package.json lacks so that npm's page links back to the project: `repository` with the
 * package's `directory` in the monorepo, `homepage`, `bugs`, and the license the repository declares.
 */
export function publishMetadataProblems(manifest: PackageManifest, dir: string): string[] {
  const problems: string[] = [];
  const name = manifest.name;
  const repository =
    typeof manifest.repository === 'string' ? { url: manifest.repository } : manifest.repository;
  if (!repository?.url) {
    problems.push(
      `${name}: package.json has no repository (expected { "url": "git+${PROJECT_URL}.git", "directory": "${dir}" })`,
    );
  } else {
    if (!repository.url.includes(PROJECT_URL.replace('https://', ''))) {
      problems.push(`${name}: repository.url ${repository.url} is not the project's (${PROJECT_URL})`);
    }
    if (repository.directory !== dir) {
      problems.push(
        `${name}: repository.directory is ${JSON.stringify(repository.directory)}, expected "${dir}" ` +
          `(npm links to the package's folder in the monorepo)`,
      );
    }
  }
  if (!manifest.homepage) problems.push(`${name}: package.json has no homepage`);
  const bugs = typeof manifest.bugs === 'string' ? manifest.bugs : manifest.bugs?.url;
  if (!bugs) problems.push(`${name}: package.json has no bugs.url (expected ${PROJECT_URL}/issues)`);
  if (manifest.license !== 'Apache-2.0') {
    problems.push(
      `${name}: license is ${JSON.stringify(manifest.license)}, expected "Apache-2.0" like the repository`,
    );
  }
  return problems;
}
