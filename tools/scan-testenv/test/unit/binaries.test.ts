import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLAIR_VERSION,
  CRANE_VERSION,
  defaultScanBinDir,
  ensureScanBinaries,
  findPostgresBinaries,
  PG_BIN_DIR_ENV,
  SCAN_BIN_DIR_ENV,
  scanBinariesIn,
  scanBuild,
} from '../../src/index.js';

async function executables(dir: string, names: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of names) {
    await writeFile(join(dir, name), '#!/bin/sh\n');
    await chmod(join(dir, name), 0o755);
  }
}

describe('scanning binaries', () => {
  it('are cached per Clair and crane version', () => {
    expect(defaultScanBinDir({ NIMBUS_CACHE_DIR: '/c' })).toBe(
      `/c/clair/${CLAIR_VERSION}-crane-${CRANE_VERSION}/bin`,
    );
    const spec = scanBuild({ NIMBUS_CACHE_DIR: '/c' });
    expect(spec.executables).toEqual(['clair', 'clairctl', 'crane']);
    expect(spec.binDirEnv).toBe(SCAN_BIN_DIR_ENV);
    const steps = spec.steps('/stage');
    expect(steps.map((s) => s.moduleDir.split('/').slice(-2).join('/'))).toEqual([
      'envtest/clair',
      'envtest/crane',
    ]);
    expect(steps[0]?.args).toEqual(
      expect.arrayContaining(['-o', '/stage/', 'github.com/quay/clair/v4/cmd/clairctl']),
    );
  });

  it('come from NIMBUS_CLAIR_BIN_DIR when set, which must hold all three', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scan-bins-'));
    await executables(dir, ['clair', 'clairctl']);
    await expect(
      ensureScanBinaries({ env: { [SCAN_BIN_DIR_ENV]: dir }, progress: () => {} }),
    ).rejects.toThrow(new RegExp(`lacks executable .*crane.*Fix: point ${SCAN_BIN_DIR_ENV}`, 's'));
    await executables(dir, ['crane']);
    expect(await ensureScanBinaries({ env: { [SCAN_BIN_DIR_ENV]: dir }, progress: () => {} })).toEqual(
      scanBinariesIn(dir),
    );
  });

  it('are built with go build in the two wrapper modules, once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'scan-build-'));
    const goDir = join(root, 'go-bin');
    await mkdir(goDir);
    // A stand-in `go` that records its calls and writes one file per package into the -o directory.
    await writeFile(
      join(goDir, 'go'),
      `#!/bin/sh
echo "$(basename "$PWD") $*" >> "$FAKE_GO_CALLS"
while [ "$1" != -o ]; do shift; done
out="$2"; shift 2
for pkg in "$@"; do printf '#!/bin/sh\\n' > "$out$(basename "$pkg")"; chmod +x "$out$(basename "$pkg")"; done
`,
    );
    await chmod(join(goDir, 'go'), 0o755);
    const env = {
      NIMBUS_CACHE_DIR: join(root, 'cache'),
      PATH: `${goDir}:/usr/bin:/bin`,
      FAKE_GO_CALLS: join(root, 'calls'),
    };
    const lines: string[] = [];
    const bins = await ensureScanBinaries({ env, progress: (l) => lines.push(l) });
    expect(bins).toEqual(scanBinariesIn(defaultScanBinDir(env)));
    const calls = (await readFile(env.FAKE_GO_CALLS, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^clair build .*cmd\/clair .*cmd\/clairctl$/);
    expect(calls[1]).toMatch(/^crane build .*cmd\/crane$/);
    expect(lines.some((l) => l.startsWith('scan-env: scanning binaries ready in'))).toBe(true);
    await ensureScanBinaries({ env, progress: () => {} });
    expect((await readFile(env.FAKE_GO_CALLS, 'utf8')).trim().split('\n')).toHaveLength(2);
  }, 30_000);
});

describe('findPostgresBinaries', () => {
  it('prefers the newest Debian server directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pg-'));
    await executables(join(root, '13', 'bin'), ['initdb', 'postgres', 'psql']);
    await executables(join(root, '16', 'bin'), ['initdb', 'postgres', 'psql']);
    expect(findPostgresBinaries({ PATH: '' }, root)).toEqual({
      initdb: join(root, '16', 'bin', 'initdb'),
      postgres: join(root, '16', 'bin', 'postgres'),
      psql: join(root, '16', 'bin', 'psql'),
    });
  });

  it('falls back to PATH, and takes psql from PATH when the server directory lacks it', async () => {
    const server = await mkdtemp(join(tmpdir(), 'pg-server-'));
    const client = await mkdtemp(join(tmpdir(), 'pg-client-'));
    await executables(server, ['initdb', 'postgres']);
    await executables(client, ['psql']);
    expect(findPostgresBinaries({ PATH: `${client}:${server}` }, '/nonexistent')).toEqual({
      initdb: join(server, 'initdb'),
      postgres: join(server, 'postgres'),
      psql: join(client, 'psql'),
    });
  });

  it('names the fix when PostgreSQL is not installed', async () => {
    expect(() => findPostgresBinaries({ PATH: '/nonexistent' }, '/nonexistent')).toThrow(
      /were not found .*apt-get install -y postgresql.*NIMBUS_PG_BIN_DIR/s,
    );
    const empty = await mkdtemp(join(tmpdir(), 'pg-empty-'));
    expect(() => findPostgresBinaries({ [PG_BIN_DIR_ENV]: empty, PATH: '' })).toThrow(
      new RegExp(`${PG_BIN_DIR_ENV}=${empty}`),
    );
  });
});
