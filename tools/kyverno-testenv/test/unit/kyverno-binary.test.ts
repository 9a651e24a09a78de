import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultKyvernoBinDir,
  ensureKyverno,
  KYVERNO_BIN_DIR_ENV,
  KYVERNO_CRD_DIR_ENV,
  KYVERNO_VERSION,
  kyvernoAvailable,
  kyvernoBuild,
  kyvernoCrdDirectories,
  kyvernoModuleDir,
} from '../../src/index.js';

describe('the kyverno binary', () => {
  it('is cached per Kyverno version, outside the repository, and built from the wrapper module', () => {
    expect(defaultKyvernoBinDir({ NIMBUS_CACHE_DIR: '/c' })).toBe(`/c/kyverno/${KYVERNO_VERSION}/bin`);
    const spec = kyvernoBuild({ NIMBUS_CACHE_DIR: '/c' });
    expect(spec.executables).toEqual(['kyverno']);
    expect(spec.binDirEnv).toBe(KYVERNO_BIN_DIR_ENV);
    const [step, ...more] = spec.steps('/stage');
    expect(more).toEqual([]);
    expect(step?.moduleDir).toBe(kyvernoModuleDir());
    expect(step?.args).toEqual(
      expect.arrayContaining(['build', '-o', '/stage/kyverno', 'github.com/kyverno/kyverno/cmd/kyverno']),
    );
    expect(step?.args.join(' ')).toContain(
      `github.com/kyverno/kyverno/pkg/version.BuildVersion=${KYVERNO_VERSION}`,
    );
  });

  it('pins the release and repeats Kyverno’s one replace in the wrapper module (go install refuses it)', () => {
    const goMod = readFileSync(join(kyvernoModuleDir(), 'go.mod'), 'utf8');
    expect(goMod).toContain(`github.com/kyverno/kyverno ${KYVERNO_VERSION}`);
    expect(goMod).toMatch(
      /^replace k8s\.io\/pod-security-admission => github\.com\/kyverno\/pod-security-admission /m,
    );
  });

  it('comes from NIMBUS_KYVERNO_BIN_DIR when set, which must hold kyverno', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kyverno-bin-'));
    const env = { [KYVERNO_BIN_DIR_ENV]: dir };
    expect(kyvernoAvailable(env)).toBe(false);
    await expect(ensureKyverno({ env, progress: () => {} })).rejects.toThrow(
      new RegExp(`lacks executable .*kyverno.*Fix: point ${KYVERNO_BIN_DIR_ENV}`, 's'),
    );
    await writeFile(join(dir, 'kyverno'), '#!/bin/sh\n');
    await chmod(join(dir, 'kyverno'), 0o755);
    expect(kyvernoAvailable(env)).toBe(true);
    expect(await ensureKyverno({ env, progress: () => {} })).toBe(join(dir, 'kyverno'));
  });

  it('finds its CRD directories under NIMBUS_KYVERNO_CRD_DIR, sorted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kyverno-crds-'));
    for (const d of ['reports', 'kyverno', 'policyreport']) await mkdir(join(root, d));
    await writeFile(join(root, 'README.md'), 'not a directory');
    expect(await kyvernoCrdDirectories({ [KYVERNO_CRD_DIR_ENV]: root })).toEqual(
      ['kyverno', 'policyreport', 'reports'].map((d) => join(root, d)),
    );
  });
});
