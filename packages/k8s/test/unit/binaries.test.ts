import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN_DIR_ENV,
  binariesIn,
  defaultBinDir,
  ensureControlPlaneBinaries,
  findGo,
  KUBERNETES_VERSION,
} from '../../src/testing/binaries.js';
import { cacheRoot } from '../../src/testing/go-binaries.js';

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

describe('building the binaries', () => {
  // A stand-in `go` that records each call and produces the files the real build would.
  const FAKE_GO = `#!/bin/sh
echo "$*" >> "$FAKE_GO_CALLS"
sleep 1
if [ "$1" = install ]; then
  for b in kube-apiserver kube-controller-manager kubectl; do printf '#!/bin/sh\\n' > "$GOBIN/$b"; chmod +x "$GOBIN/$b"; done
else
  while [ "$1" != -o ]; do shift; done
  printf '#!/bin/sh\\n' > "$2"; chmod +x "$2"
fi
`;

  it('builds once when two callers race, and publishes all four executables', async () => {
    const root = await mkdtemp(join(tmpdir(), 'envtest-build-'));
    const goDir = join(root, 'go-bin');
    const { mkdir, readFile } = await import('node:fs/promises');
    await mkdir(goDir);
    await writeFile(join(goDir, 'go'), FAKE_GO);
    await chmod(join(goDir, 'go'), 0o755);
    const calls = join(root, 'calls');
    const env = {
      NIMBUS_CACHE_DIR: join(root, 'cache'),
      PATH: `${goDir}:/usr/bin:/bin`,
      FAKE_GO_CALLS: calls,
    };
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      ensureControlPlaneBinaries({ env, progress: (l) => lines.push(l) }),
      ensureControlPlaneBinaries({ env, progress: (l) => lines.push(l) }),
    ]);
    expect(a).toEqual(b);
    expect(a).toEqual(binariesIn(defaultBinDir(env)));
    const invocations = (await readFile(calls, 'utf8')).trim().split('\n');
    expect(invocations).toHaveLength(2);
    expect(invocations[0]).toMatch(/^install -trimpath -ldflags .*version\.gitVersion=v1\.36\.\d+.* tool$/);
    expect(invocations[1]).toMatch(/^build .* go\.etcd\.io\/etcd\/server\/v3$/);
    expect(lines.some((l) => l.includes('control-plane binaries ready'))).toBe(true);
    // A third call finds the cache and builds nothing.
    await ensureControlPlaneBinaries({ env, progress: () => {} });
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toHaveLength(2);
  }, 30_000);
});
