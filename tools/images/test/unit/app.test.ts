import { describe, expect, it } from 'vitest';
import { keepAppPath, pnpmCommand, selfLinkTarget } from '../../src/app.js';
import { linkStaysUnder } from '../../src/layer.js';
import { imageReference } from '../../src/push.js';
import { SIZE_TARGET_BYTES, summaryLine } from '../../src/summary.js';

describe('keepAppPath', () => {
  it.each([
    ['dist/main.js', true],
    ['package.json', true],
    ['node_modules/.pnpm/lock.yaml', true],
    ['node_modules/.pnpm/js-yaml@5.5.0/node_modules/js-yaml/bin/js-yaml.js', true],
    ['node_modules/binary-name', true],
    // pnpm's install record (with the time it ran) and the shims (with the deploy directory's absolute path).
    ['node_modules/.modules.yaml', false],
    ['node_modules/.bin/js-yaml', false],
    ['node_modules/.pnpm/node_modules/.bin/vitest', false],
    ['node_modules/.pnpm/x@1/node_modules/x/node_modules/.bin/y', false],
  ])('%s → %s', (path, expected) => {
    expect(keepAppPath(path)).toBe(expected);
  });
});

describe('selfLinkTarget', () => {
  it.each([
    ['app/node_modules/.pnpm/node_modules/@nimbus-ts/core-operator', '../../../..'],
    ['app/node_modules/@nimbus-ts/x', '../..'],
  ])('%s → %s, which resolves to /app', (path, expected) => {
    expect(selfLinkTarget(path)).toBe(expected);
    expect(linkStaysUnder('app', path, expected)).toBe(true);
  });
});

describe('pnpmCommand', () => {
  it.each([
    [
      { npm_execpath: '/cache/pnpm-10/node_modules/pnpm/bin/pnpm.cjs' },
      'node',
      ['/cache/pnpm-10/node_modules/pnpm/bin/pnpm.cjs'],
    ],
    [{ npm_execpath: '/usr/local/bin/pnpm' }, '/usr/local/bin/pnpm', []],
    [{ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' }, 'pnpm', []],
    [{}, 'pnpm', []],
  ] as [NodeJS.ProcessEnv, string, string[]][])('%j', (env, file, args) => {
    const command = pnpmCommand(env);
    expect(file === 'node' ? command.file === process.execPath : command.file === file).toBe(true);
    expect(command.args).toEqual(args);
  });
});

describe('imageReference', () => {
  it.each([
    ['ghcr.io/nimbus-ts', 'ghcr.io/nimbus-ts/nimbus-clair:0.1.0'],
    ['127.0.0.1:5000/', '127.0.0.1:5000/nimbus-clair:0.1.0'],
  ])('%s → %s', (registry, expected) => {
    expect(imageReference(registry, 'nimbus-clair', '0.1.0')).toBe(expected);
  });
});

describe('summaryLine', () => {
  const image = (size: number) => ({
    image: 'nimbus-netpol',
    tag: '0.1.0',
    digest: 'sha256:abc',
    size,
    layers: [
      { name: 'base' as const, digest: 'sha256:1', diffId: 'sha256:a', size: 3_600_000 },
      { name: 'node' as const, digest: 'sha256:2', diffId: 'sha256:b', size: 45_700_000 },
      { name: 'app' as const, digest: 'sha256:3', diffId: 'sha256:c', size: size - 49_300_000 },
    ],
  });

  it('prints name, digest and compressed size with its layers', () => {
    expect(summaryLine(image(60_000_000))).toBe(
      'nimbus-netpol:0.1.0  sha256:abc  60.0 MB (base 3.6 MB, node 45.7 MB, app 10.7 MB)',
    );
  });

  it('says when an image is over the size target', () => {
    expect(summaryLine(image(SIZE_TARGET_BYTES + 1))).toMatch(/ — over the 80\.0 MB target$/);
  });
});
