import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isPendingProblem,
  kindProblems,
  LAYERING_DOCUMENT,
  layeringProblems,
  PENDING_COMPONENT_DEPENDENCIES,
  parseLayering,
} from '../../src/layers.js';
import {
  PROJECT_URL,
  privateDependencyProblems,
  publishMetadataProblems,
} from '../../src/manifest-checks.js';
import {
  binNames,
  type PackageManifest,
  publicPackages,
  readWorkspacePackages,
} from '../../src/workspace.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const pkg = (dir: string, manifest: Partial<PackageManifest> & { name: string }) => ({
  dir,
  manifest: { version: '0.1.0', ...manifest },
});

describe('privateDependencyProblems', () => {
  const example = pkg('examples/adapter', { name: '@x/example', private: true });
  const lib = pkg('packages/lib', { name: '@x/lib' });

  it.each([
    ['dependencies', { dependencies: { '@x/example': 'workspace:^' } }],
    ['peerDependencies', { peerDependencies: { '@x/example': 'workspace:^' } }],
    ['optionalDependencies', { optionalDependencies: { '@x/example': 'workspace:^' } }],
  ])('flags a public package with a private one in %s', (field, deps) => {
    const problems = privateDependencyProblems([
      example,
      lib,
      pkg('packages/cli', { name: '@x/cli', ...deps }),
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`@x/cli (packages/cli) lists @x/example in ${field}`);
    expect(problems[0]).toContain('404');
  });

  it('allows private packages in devDependencies, public ones anywhere, and private packages anything', () => {
    const cli = pkg('packages/cli', {
      name: '@x/cli',
      dependencies: { '@x/lib': 'workspace:^' },
      devDependencies: { '@x/example': 'workspace:^' },
    });
    const demo = pkg('examples/demo', {
      name: '@x/demo',
      private: true,
      dependencies: { '@x/example': '*' },
    });
    expect(privateDependencyProblems([example, lib, cli, demo])).toEqual([]);
  });
});

describe('publishMetadataProblems', () => {
  const complete: PackageManifest = {
    name: '@x/lib',
    version: '0.1.0',
    license: 'Apache-2.0',
    homepage: `${PROJECT_URL}/tree/main/packages/lib#readme`,
    repository: { type: 'git', url: `git+${PROJECT_URL}.git`, directory: 'packages/lib' },
    bugs: { url: `${PROJECT_URL}/issues` },
  };

  it('accepts complete metadata', () => {
    expect(publishMetadataProblems(complete, 'packages/lib')).toEqual([]);
  });

  it.each<[string, Partial<PackageManifest>, string]>([
    ['no repository', { repository: undefined }, 'no repository (expected'],
    [
      'another repository',
      { repository: { url: 'https://example.com/x.git', directory: 'packages/lib' } },
      'is not',
    ],
    ['no directory', { repository: { url: `git+${PROJECT_URL}.git` } }, 'repository.directory is undefined'],
    [
      'a wrong directory',
      { repository: { url: `${PROJECT_URL}`, directory: 'lib' } },
      'expected "packages/lib"',
    ],
    ['no homepage', { homepage: undefined }, 'no homepage'],
    ['no bugs', { bugs: undefined }, 'no bugs.url'],
    ['another license', { license: 'MIT' }, 'expected "Apache-2.0"'],
  ])('flags %s', (_, change, message) => {
    const problems = publishMetadataProblems({ ...complete, ...change }, 'packages/lib');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

// The repository as it is: what `pnpm publish` would publish.
describe('the workspace', () => {
  const workspace = readWorkspacePackages(ROOT);
  const published = publicPackages(workspace);

  it('publishes the packages under packages/', () => {
    expect(published.map((p) => p.dir).sort()).toEqual(
      workspace
        .filter((p) => p.dir.startsWith('packages/'))
        .map((p) => p.dir)
        .sort(),
    );
  });

  // Fails while @nimbus-ts/cli depends on the private @nimbus-ts/example-adapter-netpol (issue 14); the branch
  // that loads adapters with `--adapter <module>` removes that dependency.
  it('has no public package depending on a private one', () => {
    expect(privateDependencyProblems(workspace)).toEqual([]);
  });

  // The layering declared in docs/ARCHITECTURE.md, with the kinds the doc gives each package.
  const declared = parseLayering(readFileSync(join(ROOT, LAYERING_DOCUMENT), 'utf8'));

  it('has the dependency graph docs/ARCHITECTURE.md declares (`pnpm layers` prints both)', () => {
    expect(layeringProblems(workspace, declared)).toEqual([]);
  });

  const componentProblems = kindProblems(workspace, declared);

  it('has no adapter or core operator depending on another component, devDependencies included', () => {
    expect(componentProblems.filter((problem) => !isPendingProblem(problem))).toEqual([]);
  });

  it.each([...PENDING_COMPONENT_DEPENDENCIES])('still needs the pending exception %s → %s', (from, to) => {
    expect(
      componentProblems.some((problem) => isPendingProblem(problem) && problem.startsWith(`${from} (`)),
      `${from} no longer depends on ${to}: delete its entry in PENDING_COMPONENT_DEPENDENCIES ` +
        `(tools/packaging/src/layers.ts) and its sentence in ${LAYERING_DOCUMENT}`,
    ).toBe(true);
  });

  it('classifies the core operator and every adapter as a component', () => {
    const kinds = new Map(declared.map((row) => [row.name, row.kind]));
    // A deployable runs a process, so it has a bin; the adapter SDK is named like an adapter but is a library.
    const deployables = workspace
      .filter((p) => binNames(p.manifest).length > 0)
      .map((p) => p.manifest.name)
      .filter((name) => /^@nimbus-ts\/(core-operator|(example-)?adapter-[a-z0-9]+)$/.test(name));
    expect(deployables.length).toBeGreaterThan(1);
    for (const name of deployables)
      expect(kinds.get(name), `${name} in ${LAYERING_DOCUMENT}`).toBe('component');
  });

  it('gives every public package the repository, homepage and bugs of the project', () => {
    expect(published.flatMap(({ manifest, dir }) => publishMetadataProblems(manifest, dir))).toEqual([]);
  });

  it('gives every public package the repository’s LICENSE (Apache-2.0), identical, and a README.md', () => {
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    for (const { dir } of published) {
      expect(existsSync(join(ROOT, dir, 'LICENSE')), `${dir}/LICENSE`).toBe(true);
      expect(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8'), `${dir}/LICENSE differs from LICENSE`).toBe(
        license,
      );
      expect(existsSync(join(ROOT, dir, 'README.md')), `${dir}/README.md`).toBe(true);
    }
  });

  // Private packages too (examples, tools, bench, e2e): a contributor opening one learns from its README what it
  // is for, how to run it and what tests it (issue 16).
  it('gives every workspace package a README.md, private ones included', () => {
    expect(workspace.map((p) => p.dir)).toEqual(
      expect.arrayContaining(['bench', 'e2e', 'examples/demo', 'tools/packaging']),
    );
    const missing = workspace
      .filter(({ dir }) => !existsSync(join(ROOT, dir, 'README.md')))
      .map(({ dir, manifest }) => `${manifest.name} has no ${dir}/README.md`);
    expect(missing).toEqual([]);
  });
});
