import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of a package.json these checks read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly homepage?: string;
  readonly repository?:
    | string
    | { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly bugs?: string | { readonly url?: string };
  readonly main?: string;
  readonly types?: string;
  readonly exports?: Readonly<Record<string, ExportTarget>>;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** One value of `exports`: a path, or conditions (`types`, `default`, …) leading to paths. */
export type ExportTarget = string | null | { readonly [condition: string]: ExportTarget };

/** A package of the workspace: its directory (relative to the root, `/`-separated) and its manifest. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: PackageManifest;
}

/**
 * Every package of the pnpm workspace at `root`, in the order of `pnpm-workspace.yaml`'s `packages` (plain
 * directories and `dir/*` patterns, the only forms this repository uses).
 */
export function readWorkspacePackages(root: string): WorkspacePackage[] {
  const patterns = workspacePatterns(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8'));
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`)
      .sort();
  });
  return dirs
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageManifest,
    }));
}

/** The `packages:` list of a pnpm-workspace.yaml. */
export function workspacePatterns(yaml: string): string[] {
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages) continue;
    const item = /^\s+-\s+['"]?([^'"#\s]+)['"]?\s*(#.*)?$/.exec(line);
    if (item?.[1]) patterns.push(item[1]);
    else if (/^\S/.test(line)) inPackages = false;
  }
  if (patterns.some((p) => p.includes('*') && !/^[^*]+\/\*$/.test(p))) {
    throw new Error(
      `pnpm-workspace.yaml: only "dir" and "dir/*" patterns are understood here, got ${patterns}`,
    );
  }
  return patterns;
}

/** The packages that are published: those not marked `private`. */
export function publicPackages(packages: readonly WorkspacePackage[]): WorkspacePackage[] {
  return packages.filter((pkg) => pkg.manifest.private !== true);
}

/** The dependency fields that reach a consumer: everything but `devDependencies`. */
export const PUBLISHED_DEPENDENCY_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;

/** Names of the package's optional peers (declared in `peerDependenciesMeta` with `optional: true`). */
export function optionalPeers(manifest: PackageManifest): string[] {
  return Object.keys(manifest.peerDependencies ?? {}).filter(
    (name) => manifest.peerDependenciesMeta?.[name]?.optional === true,
  );
}

/**
 * The workspace packages `pkg` needs installed with it, itself included: its non-dev dependencies on other
 * workspace packages, transitively (optional peers excluded: npm does not install them).
 */
export function workspaceClosure(
  pkg: WorkspacePackage,
  packages: readonly WorkspacePackage[],
): WorkspacePackage[] {
  const byName = new Map(packages.map((p) => [p.manifest.name, p]));
  const seen = new Map<string, WorkspacePackage>();
  const visit = (p: WorkspacePackage) => {
    if (seen.has(p.manifest.name)) return;
    seen.set(p.manifest.name, p);
    const optional = new Set(optionalPeers(p.manifest));
    for (const field of PUBLISHED_DEPENDENCY_FIELDS) {
      for (const name of Object.keys(p.manifest[field] ?? {})) {
        const dep = byName.get(name);
        if (dep && !(field === 'peerDependencies' && optional.has(name))) visit(dep);
      }
    }
  };
  visit(pkg);
  return [...seen.values()];
}

/**
 * Whether an `exports` sub-path is test tooling (`./testing`, `./testing/…`): such entry points may need the
 * package's optional peers (a Kubernetes client, vitest); every other entry point must load without them.
 */
export function isTestingEntry(subpath: string): boolean {
  return subpath === './testing' || subpath.startsWith('./testing/');
}

/** The import specifiers of a package's entry points (`exports` keys, `./package.json` left out). */
export function entrySpecifiers(manifest: PackageManifest): { production: string[]; testing: string[] } {
  const subpaths = Object.keys(manifest.exports ?? { '.': manifest.main ?? 'index.js' }).filter(
    (subpath) => subpath !== './package.json' && !subpath.includes('*'),
  );
  const specifier = (subpath: string) =>
    subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
  return {
    production: subpaths.filter((s) => !isTestingEntry(s)).map(specifier),
    testing: subpaths.filter(isTestingEntry).map(specifier),
  };
}

/** The commands a package installs (`bin`), by name. */
export function binNames(manifest: PackageManifest): string[] {
  if (typeof manifest.bin === 'string') return [manifest.name.split('/').pop() as string];
  return Object.keys(manifest.bin ?? {});
}
