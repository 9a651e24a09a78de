import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  directorySize,
  npmInstalledPackages,
  productionExclusionReason,
  virtualStorePackageName,
} from '../../src/closure.js';
import {
  binNames,
  entrySpecifiers,
  type PackageManifest,
  workspaceClosure,
  workspacePatterns,
} from '../../src/workspace.js';

describe('workspacePatterns', () => {
  it('reads the packages list and nothing after it', () => {
    const yaml = `packages:\n  - packages/*\n  - 'examples/*'\n  - bench # benchmarks\n\nautoInstallPeers: false\n`;
    expect(workspacePatterns(yaml)).toEqual(['packages/*', 'examples/*', 'bench']);
  });

  it('refuses patterns it does not understand', () => {
    expect(() => workspacePatterns('packages:\n  - "packages/**"\n')).toThrow(/only "dir" and "dir\/\*"/);
  });
});

describe('workspaceClosure', () => {
  const pkg = (name: string, manifest: Partial<PackageManifest> = {}) => ({
    dir: `packages/${name}`,
    manifest: { name, version: '0.1.0', ...manifest },
  });
  const idpool = pkg('idpool');
  const k8s = pkg('k8s', {
    dependencies: { idpool: 'workspace:^', winston: '3' },
    peerDependencies: { testkit: '*' },
    peerDependenciesMeta: { testkit: { optional: true } },
  });
  const testkit = pkg('testkit');
  const netpol = pkg('netpol', { private: true, dependencies: { k8s: 'workspace:^' } });
  const cli = pkg('cli', {
    dependencies: { k8s: 'workspace:^', netpol: 'workspace:^' },
    devDependencies: { x: '1' },
  });
  const all = [idpool, k8s, testkit, netpol, cli];

  it('follows dependencies transitively, private ones included, optional peers and registry packages not', () => {
    expect(workspaceClosure(cli, all).map((p) => p.manifest.name)).toEqual([
      'cli',
      'k8s',
      'idpool',
      'netpol',
    ]);
    expect(workspaceClosure(k8s, all).map((p) => p.manifest.name)).toEqual(['k8s', 'idpool']);
  });
});

describe('entrySpecifiers and binNames', () => {
  it('splits production from testing entry points and leaves out package.json', () => {
    const manifest: PackageManifest = {
      name: '@x/k8s',
      version: '0.1.0',
      exports: {
        '.': './dist/index.js',
        './declaration': './dist/declaration.js',
        './testing': './dist/testing/index.js',
        './testing/vitest': './dist/testing/vitest.js',
        './testingkit': './dist/kit.js',
        './package.json': './package.json',
      },
    };
    expect(entrySpecifiers(manifest)).toEqual({
      production: ['@x/k8s', '@x/k8s/declaration', '@x/k8s/testingkit'],
      testing: ['@x/k8s/testing', '@x/k8s/testing/vitest'],
    });
  });

  it('names bins from a map, or after the package for a single bin', () => {
    expect(binNames({ name: '@x/cli', version: '1', bin: { nimbus: './a.js', other: './b.js' } })).toEqual([
      'nimbus',
      'other',
    ]);
    expect(binNames({ name: '@x/cli', version: '1', bin: './a.js' })).toEqual(['cli']);
    expect(binNames({ name: '@x/lib', version: '1' })).toEqual([]);
  });
});

describe('productionExclusionReason', () => {
  it.each([
    ['vitest', /test tooling/],
    ['@vitest/spy', /test tooling/],
    ['vite', /test tooling/],
    ['@kubernetes/client-node', /types only/],
  ])('keeps %s out', (name, reason) => {
    expect(productionExclusionReason(name)).toMatch(reason);
  });

  it.each(['winston', 'vitest-like', '@kubernetes/other', 'prom-client'])('lets %s in', (name) => {
    expect(productionExclusionReason(name)).toBeUndefined();
  });
});

describe('virtualStorePackageName', () => {
  it.each([
    ['winston@3.19.0', 'winston'],
    ['@kubernetes+client-node@2.0.1_bare-buffer@3.7.3', '@kubernetes/client-node'],
    ['vitest@5.1.1_@types+node@24.19.2_vite@8.3.8', 'vitest'],
    ['@nimbus-ts+k8s@file+packages+k8s', '@nimbus-ts/k8s'],
    ['node_modules', undefined],
    ['lock.yaml', undefined],
  ])('%s → %s', (entry, name) => {
    expect(virtualStorePackageName(entry)).toBe(name);
  });
});

describe('npmInstalledPackages and directorySize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-packaging-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists top-level, scoped and nested packages, and sums file sizes', () => {
    const file = (path: string, bytes: number) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), 'x'.repeat(bytes));
    };
    file('node_modules/winston/package.json', 10);
    file('node_modules/@scope/a/package.json', 20);
    file('node_modules/@scope/a/node_modules/vitest/package.json', 30);
    file('node_modules/.bin/x', 40);
    expect(npmInstalledPackages(join(dir, 'node_modules'))).toEqual(['@scope/a', 'vitest', 'winston']);
    expect(directorySize(join(dir, 'node_modules'))).toBe(100);
  });
});
