import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN_DIR_ENV,
  binariesIn,
  cacheRoot,
  defaultBinDir,
  ensureControlPlaneBinaries,
  findGo,
  KUBERNETES_VERSION,
} from '../../src/testing/binaries.js';

describe('binary resolution', () => {
  it('places the cache under NIMBUS_CACHE_DIR, XDG_CACHE_HOME or ~/.cache, versioned', () => {
    expect(cacheRoot({ NIMBUS_CACHE_DIR: '/c' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/nimbus-ts');
    expect(defaultBinDir({ NIMBUS_CACHE_DIR: '/c' })).toMatch(
      new RegExp(`^/c/envtest/${KUBERNETES_VERSION.replaceAll('.', '\\.')}-etcd-v3\\.6\\.\\d+/bin$`),
    );
  });

  it('uses NIMBUS_ENVTEST_BIN_DIR as is when all four executables are there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bins-'));
    for (const path of Object.values(binariesIn(dir))) {
      await writeFile(path, '#!/bin/sh\n');
      await chmod(path, 0o755);
    }
    const bins = await ensureControlPlaneBinaries({ env: { [BIN_DIR_ENV]: dir }, progress: () => {} });
    expect(bins).toEqual(binariesIn(dir));
  });

  it('names the missing executable and the fix when NIMBUS_ENVTEST_BIN_DIR is incomplete', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bins-'));
    await writeFile(join(dir, 'etcd'), '#!/bin/sh\n');
    await chmod(join(dir, 'etcd'), 0o755);
    await expect(
      ensureControlPlaneBinaries({ env: { [BIN_DIR_ENV]: dir }, progress: () => {} }),
    ).rejects.toThrow(new RegExp(`lacks executable .*kube-apiserver.*Fix: point ${BIN_DIR_ENV}`, 's'));
  });

  it('says Go is needed, and how to avoid it, when no Go toolchain exists', () => {
    expect(() => findGo({ PATH: '/nonexistent' }, [])).toThrow(
      new RegExp(`none was found on PATH.*Fix: install Go >= 1\\.26, or set ${BIN_DIR_ENV}`, 's'),
    );
    expect(findGo({ PATH: '/nonexistent' }, [process.execPath])).toBe(process.execPath);
  });
});
