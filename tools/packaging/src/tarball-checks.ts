import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { publishMetadataProblems } from './manifest-checks.js';
import { type ExportTarget, optionalPeers, type PackageManifest } from './workspace.js';

/**
 * The files of a packed package: path inside the package (`/`-separated, no leading `package/`) → content.
 * Only text files need real content; the checks never read others.
 */
export type PackedFiles = ReadonlyMap<string, string>;

/** The manifest inside a packed package. */
export function packedManifest(files: PackedFiles): PackageManifest {
  const text = files.get('package.json');
  if (text === undefined) throw new Error('the tarball has no package.json');
  return JSON.parse(text) as PackageManifest;
}

/** Paths that are tests or test fixtures, which a tarball must not carry. */
const TEST_FILE =
  /(^|\/)(test|tests|__tests__|__mocks__|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?(\.map)?$|\.(test|spec)\.d\.[cm]?ts(\.map)?$/;

/**
 * What a tarball lacks or carries wrongly: LICENSE, README.md and CHANGELOG.md (the release notes, see
 * docs/RELEASING.md), the publish metadata of its package.json
 * (`dir` is the package's folder in the repository), every file its `exports`, `main`, `types` and `bin` name,
 * and no tests, fixtures or TypeScript build info.
 */
export function tarballContentProblems(files: PackedFiles, dir: string): string[] {
  const problems: string[] = [];
  const manifest = packedManifest(files);
  const name = manifest.name;
  if (!files.has('LICENSE')) problems.push(`${name}: the tarball has no LICENSE`);
  if (!files.has('README.md')) problems.push(`${name}: the tarball has no README.md`);
  if (!files.has('CHANGELOG.md')) problems.push(`${name}: the tarball has no CHANGELOG.md`);
  problems.push(...publishMetadataProblems(manifest, dir));
  for (const target of entryFiles(manifest)) {
    if (!files.has(target)) problems.push(`${name}: package.json names ${target}, which the tarball lacks`);
  }
  for (const path of files.keys()) {
    if (TEST_FILE.test(path)) problems.push(`${name}: the tarball carries the test file ${path}`);
    if (path.endsWith('.tsbuildinfo'))
      problems.push(`${name}: the tarball carries TypeScript build info ${path}`);
  }
  return problems;
}

/** Every file `exports`, `main`, `types` and `bin` name, normalized (no `./`). */
export function entryFiles(manifest: PackageManifest): string[] {
  const targets = new Set<string>();
  const collect = (target: ExportTarget) => {
    if (typeof target === 'string') targets.add(target);
    else if (target) for (const value of Object.values(target)) collect(value);
  };
  for (const target of Object.values(manifest.exports ?? {})) collect(target);
  if (manifest.main) targets.add(manifest.main);
  if (manifest.types) targets.add(manifest.types);
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of bins) targets.add(bin);
  return [...new Set([...targets].filter((t) => !t.includes('*')).map((t) => posix.normalize(t)))];
}

const SOURCE_MAPPING_URL = /\/\/# sourceMappingURL=(\S+)\s*$/;

/**
 * Source maps and declaration maps that point outside the tarball: a `sourceMappingURL` comment naming a map
 * that is not shipped, or a map whose `sources` are not shipped. Debuggers, `--enable-source-maps` and
 * go-to-definition then lead nowhere.
 */
export function sourceMapProblems(files: PackedFiles): string[] {
  const problems: string[] = [];
  for (const [path, text] of files) {
    if (/\.[cm]?js$|\.d\.[cm]?ts$/.test(path)) {
      const url = SOURCE_MAPPING_URL.exec(text.trimEnd())?.[1];
      if (url && !url.startsWith('data:')) {
        const map = posix.join(posix.dirname(path), decodeURIComponent(url));
        if (!files.has(map)) problems.push(`${path}: its sourceMappingURL ${url} is not in the tarball`);
      }
    }
    if (path.endsWith('.map')) {
      let map: { sourceRoot?: string; sources?: unknown };
      try {
        map = JSON.parse(text) as typeof map;
      } catch {
        problems.push(`${path}: not a JSON source map`);
        continue;
      }
      const sources = Array.isArray(map.sources) ? map.sources : [];
      for (const source of sources) {
        if (typeof source !== 'string') continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(source)) {
          problems.push(`${path}: source ${source} is a URL, not a file in the tarball`);
          continue;
        }
        const resolved = posix.normalize(posix.join(posix.dirname(path), map.sourceRoot ?? '', source));
        if (resolved.startsWith('../') || !files.has(resolved)) {
          problems.push(`${path}: source ${source} (${resolved}) is not in the tarball`);
        }
      }
    }
  }
  return problems;
}

// Module specifiers in emitted JavaScript and declarations: `from '…'`, `import '…'`, `import('…')`,
// `require('…')`. Good enough for tsc's output, which never splits a specifier from its keyword; prose in
// comments ("from 'the cluster'") is told apart by the npm package-name syntax a bare specifier must have.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;
const BARE_SPECIFIER = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*(\/[^\s]*)?$/;

/** The bare specifiers (packages, not relative paths or Node built-ins) `code` imports. */
export function bareSpecifiers(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[2] as string;
    if (!BARE_SPECIFIER.test(specifier)) continue;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string)) continue;
    found.add(specifier);
  }
  return [...found];
}

/** The package a bare specifier names: `@scope/name` or `name`, without a sub-path. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/**
 * Imports of packages the manifest does not declare for consumers. In JavaScript, a package must be a
 * dependency or a peer (optional peers only under a `testing` directory, whose entry points document that they
 * need them); in declarations, a dependency or a peer (TypeScript users install optional peers for their types).
 * An undeclared import works only when something else happens to install the package.
 */
export function undeclaredImportProblems(files: PackedFiles): string[] {
  const manifest = packedManifest(files);
  const runtime = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const optional = new Set(optionalPeers(manifest));
  const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optional.has(n));
  for (const peer of requiredPeers) runtime.add(peer);
  const problems: string[] = [];
  for (const [path, text] of files) {
    const declaration = /\.d\.[cm]?ts$/.test(path);
    if (!declaration && !/\.[cm]?js$/.test(path)) continue;
    for (const specifier of bareSpecifiers(text)) {
      const pkg = packageOf(specifier);
      if (runtime.has(pkg)) continue;
      if (optional.has(pkg) && (declaration || /(^|\/)testing\//.test(path))) continue;
      problems.push(
        optional.has(pkg)
          ? `${path} imports ${specifier} at run time, but ${pkg} is an optional peer of ${manifest.name}: ` +
              `production code may use it only as types (import type), or it must become a dependency`
          : `${path} imports ${specifier}, but ${manifest.name} does not declare ${pkg} in dependencies or ` +
              `peerDependencies`,
      );
    }
  }
  return problems;
}
