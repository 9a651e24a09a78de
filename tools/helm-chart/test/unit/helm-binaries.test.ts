import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHelmBinDir, ensureHelm, HELM_BIN_DIR_ENV, HELM_VERSION, helmBuild } from '../../src/index.js';

describe('the helm binary', () => {
  it('is cached per Helm version, outside the repository', () => {
    expect(defaultHelmBinDir({ NIMBUS_CACHE_DIR: '/c' })).toBe(`/c/helm/${HELM_VERSION}/bin`);
    const spec = helmBuild({ NIMBUS_CACHE_DIR: '/c' });
    expect(spec.executables).toEqual(['helm']);
    expect(spec.binDirEnv).toBe(HELM_BIN_DIR_ENV);
    const [step, ...more] = spec.steps('/stage');
    expect(more).toEqual([]);
    expect(step?.moduleDir.split('/').slice(-3).join('/')).toBe('helm-chart/envtest/helm');
    expect(step?.args).toEqual(
      expect.arrayContaining(['build', '-o', '/stage/helm', 'helm.sh/helm/v4/cmd/helm']),
    );
    // Stamped like Helm's own release builds, so `helm version` names the exact release.
    expect(step?.args.join(' ')).toContain(`helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`);
  });

  it('comes from NIMBUS_HELM_BIN_DIR when set, which must hold helm', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helm-bin-'));
    await expect(ensureHelm({ env: { [HELM_BIN_DIR_ENV]: dir }, progress: () => {} })).rejects.toThrow(
      new RegExp(`lacks executable .*helm.*Fix: point ${HELM_BIN_DIR_ENV}`, 's'),
    );
    await writeFile(join(dir, 'helm'), '#!/bin/sh\n');
    await chmod(join(dir, 'helm'), 0o755);
    expect(await ensureHelm({ env: { [HELM_BIN_DIR_ENV]: dir }, progress: () => {} })).toBe(
      join(dir, 'helm'),
    );
  });

  it('is built with go build in the wrapper module, once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'helm-build-'));
    const goDir = join(root, 'go-bin');
    await mkdir(goDir);
    // A stand-in `go` that records its calls and writes the -o file.
    await writeFile(
      join(goDir, 'go'),
      `#!/bin/sh
echo "$(basename "$PWD") $*" >> "$FAKE_GO_CALLS"
while [ "$1" != -o ]; do shift; done
printf '#!/bin/sh\\n' > "$2"; chmod +x "$2"
`,
    );
    await chmod(join(goDir, 'go'), 0o755);
    const env = {
      NIMBUS_CACHE_DIR: join(root, 'cache'),
      PATH: `${goDir}:/usr/bin:/bin`,
      FAKE_GO_CALLS: join(root, 'calls'),
    };
    const lines: string[] = [];
    expect(await ensureHelm({ env, progress: (l) => lines.push(l) })).toBe(
      join(defaultHelmBinDir(env), 'helm'),
    );
    const calls = (await readFile(env.FAKE_GO_CALLS, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^helm build .*helm\.sh\/helm\/v4\/cmd\/helm$/);
    expect(lines.some((l) => l.startsWith(`helm-env: helm ${HELM_VERSION} ready in`))).toBe(true);
    await ensureHelm({ env, progress: () => {} });
    expect((await readFile(env.FAKE_GO_CALLS, 'utf8')).trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
