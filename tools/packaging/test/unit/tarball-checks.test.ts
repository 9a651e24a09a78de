import { describe, expect, it } from 'vitest';
import { PROJECT_URL } from '../../src/manifest-checks.js';
import {
  bareSpecifiers,
  entryFiles,
  packageOf,
  sourceMapProblems,
  tarballContentProblems,
  undeclaredImportProblems,
} from '../../src/tarball-checks.js';
import type { PackageManifest } from '../../src/workspace.js';

const manifest: PackageManifest = {
  name: '@x/lib',
  version: '0.1.0',
  license: 'Apache-2.0',
  homepage: `${PROJECT_URL}#readme`,
  repository: { type: 'git', url: `git+${PROJECT_URL}.git`, directory: 'packages/lib' },
  bugs: { url: `${PROJECT_URL}/issues` },
  exports: {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './testing': { types: './dist/testing/index.d.ts', default: './dist/testing/index.js' },
    './package.json': './package.json',
  },
  bin: { lib: './dist/main.js' },
  dependencies: { winston: '3.19.0' },
  peerDependencies: { '@kubernetes/client-node': '^2.0.1', vitest: '>=4' },
  peerDependenciesMeta: { '@kubernetes/client-node': { optional: true }, vitest: { optional: true } },
};

/** A tarball with everything in place; tests change one thing. */
function tarball(changes: Record<string, string | undefined> = {}, pkg: PackageManifest = manifest) {
  const files: Record<string, string | undefined> = {
    'package.json': JSON.stringify(pkg),
    LICENSE: 'Apache License',
    'README.md': '# @x/lib',
    'CHANGELOG.md': '# @x/lib\n\n## 1.0.0\n',
    'dist/index.js': "import winston from 'winston';\nexport const a = 1;\n//# sourceMappingURL=index.js.map",
    'dist/index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'], mappings: '' }),
    'dist/index.d.ts':
      "import type { V1Pod } from '@kubernetes/client-node';\n//# sourceMappingURL=index.d.ts.map",
    'dist/index.d.ts.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'], mappings: '' }),
    'dist/testing/index.js':
      "import { KubeConfig } from '@kubernetes/client-node';\nimport { inject } from 'vitest';",
    'dist/testing/index.d.ts': 'export {};',
    'dist/main.js':
      "#!/usr/bin/env node\nimport { a } from './index.js';\nimport { readFileSync } from 'node:fs';",
    'src/index.ts': 'export const a = 1;',
    ...changes,
  };
  return new Map(Object.entries(files).filter((e): e is [string, string] => e[1] !== undefined));
}

describe('tarballContentProblems', () => {
  it('accepts a complete tarball', () => {
    expect(tarballContentProblems(tarball(), 'packages/lib')).toEqual([]);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['no LICENSE', { LICENSE: undefined }, 'the tarball has no LICENSE'],
    ['no README.md', { 'README.md': undefined }, 'the tarball has no README.md'],
    ['no CHANGELOG.md', { 'CHANGELOG.md': undefined }, 'the tarball has no CHANGELOG.md'],
    ['a missing export', { 'dist/testing/index.d.ts': undefined }, 'names dist/testing/index.d.ts'],
    ['a missing bin', { 'dist/main.js': undefined }, 'names dist/main.js'],
    ['a test file', { 'dist/index.test.js': '' }, 'test file dist/index.test.js'],
    ['a test directory', { 'test/unit/a.ts': '' }, 'test file test/unit/a.ts'],
    ['a spec declaration', { 'dist/a.spec.d.ts': '' }, 'test file dist/a.spec.d.ts'],
    ['fixtures', { 'src/fixtures/policy.yaml': '' }, 'test file src/fixtures/policy.yaml'],
    ['build info', { 'tsconfig.build.tsbuildinfo': '{}' }, 'build info tsconfig.build.tsbuildinfo'],
  ])('flags %s', (_, changes, message) => {
    const problems = tarballContentProblems(tarball(changes), 'packages/lib');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('flags missing publish metadata in the packed package.json', () => {
    const problems = tarballContentProblems(tarball({}, { ...manifest, bugs: undefined }), 'packages/lib');
    expect(problems).toEqual([expect.stringContaining('no bugs.url')]);
  });

  it('does not take src/testing for tests', () => {
    expect(tarballContentProblems(tarball({ 'src/testing/index.ts': '' }), 'packages/lib')).toEqual([]);
  });
});

describe('entryFiles', () => {
  it('collects every file exports, main, types and bin name, without ./', () => {
    expect(entryFiles({ ...manifest, main: './dist/index.js', types: 'dist/index.d.ts' }).sort()).toEqual([
      'dist/index.d.ts',
      'dist/index.js',
      'dist/main.js',
      'dist/testing/index.d.ts',
      'dist/testing/index.js',
      'package.json',
    ]);
  });
});

describe('sourceMapProblems', () => {
  it('accepts maps whose sources are shipped', () => {
    expect(sourceMapProblems(tarball())).toEqual([]);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['sources that are not shipped', { 'src/index.ts': undefined }, 'source ../src/index.ts (src/index.ts)'],
    [
      'a sourceMappingURL to a missing map',
      { 'dist/index.js.map': undefined },
      'sourceMappingURL index.js.map',
    ],
    [
      'a source outside the package',
      { 'dist/index.js.map': JSON.stringify({ sources: ['../../../src/index.ts'] }) },
      '(../../src/index.ts) is not in the tarball',
    ],
    ['a source URL', { 'dist/index.js.map': JSON.stringify({ sources: ['webpack://x/a.ts'] }) }, 'is a URL'],
    ['a map that is not JSON', { 'dist/index.js.map': '{' }, 'not a JSON source map'],
  ])('flags %s', (_, changes, message) => {
    const problems = sourceMapProblems(tarball(changes));
    expect(problems.join('\n')).toContain(message);
  });

  it('resolves sources against sourceRoot, and accepts inline maps', () => {
    const files = tarball({
      'dist/index.js.map': JSON.stringify({ sourceRoot: '../src/', sources: ['index.ts'] }),
      'dist/inline.js': '//# sourceMappingURL=data:application/json;base64,e30=',
    });
    expect(sourceMapProblems(files)).toEqual([]);
  });
});

describe('bareSpecifiers and packageOf', () => {
  it.each([
    ["import a from 'winston';", ['winston']],
    ["import { b } from '@peculiar/x509';", ['@peculiar/x509']],
    ["export * from 'prom-client';", ['prom-client']],
    ["import 'reflect-metadata';", ['reflect-metadata']],
    ["const m = await import('vitest/node');", ['vitest/node']],
    ["const r = require('js-yaml');", ['js-yaml']],
    ['import type { X } from "@kubernetes/client-node";', ['@kubernetes/client-node']],
    ["import { readFile } from 'node:fs/promises'; import path from 'path';", []],
    ["import { a } from './a.js'; import { b } from '../b.js'; import c from '#c';", []],
    ["// tell \"it's broken\" from 'the cluster is not there yet'", []],
  ])('%s → %j', (code, expected) => {
    expect(bareSpecifiers(code)).toEqual(expected);
  });

  it.each([
    ['winston', 'winston'],
    ['vitest/node', 'vitest'],
    ['@nimbus-ts/k8s/testing/vitest', '@nimbus-ts/k8s'],
    ['@peculiar/x509', '@peculiar/x509'],
  ])('%s is in %s', (specifier, pkg) => {
    expect(packageOf(specifier)).toBe(pkg);
  });
});

describe('undeclaredImportProblems', () => {
  it('accepts dependencies, optional peers in declarations and under testing/, and built-ins', () => {
    expect(undeclaredImportProblems(tarball())).toEqual([]);
  });

  it('flags a package that is not declared', () => {
    const problems = undeclaredImportProblems(tarball({ 'dist/a.js': "import YAML from 'yaml';" }));
    expect(problems).toEqual([
      'dist/a.js imports yaml, but @x/lib does not declare yaml in dependencies or peerDependencies',
    ]);
  });

  it('flags an optional peer imported at run time by production code', () => {
    const problems = undeclaredImportProblems(
      tarball({ 'dist/index.js': "import { KubeConfig } from '@kubernetes/client-node';" }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('is an optional peer of @x/lib: production code may use it only as types');
  });

  it('flags a devDependency, which consumers never get', () => {
    const pkg = { ...manifest, devDependencies: { ajv: '8.20.0' } };
    const problems = undeclaredImportProblems(
      tarball({ 'dist/a.d.ts': "import type { A } from 'ajv';" }, pkg),
    );
    expect(problems).toEqual([expect.stringContaining('does not declare ajv')]);
  });

  it('accepts required peers at run time', () => {
    const pkg = { ...manifest, peerDependencies: { ...manifest.peerDependencies, react: '^19' } };
    expect(undeclaredImportProblems(tarball({ 'dist/a.js': "import 'react';" }, pkg))).toEqual([]);
  });
});
