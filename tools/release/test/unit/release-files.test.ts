import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureActionlint } from '../../src/actionlint.js';
import { releaseVersion } from '../../src/sync-versions.js';
import { chartVersions, imageReferences } from '../../src/versions.js';
import { publicPackages, workspacePackages } from '../../src/workspace.js';

const root = resolve(import.meta.dirname, '../../../..');

describe('the GitHub workflows', () => {
  let actionlint: string;
  let scratch: string;
  beforeAll(async () => {
    // Built once per machine by scripts/test before the tests run; a cold build takes about two minutes.
    actionlint = await ensureActionlint({ progress: () => {} });
    scratch = await mkdtemp(join(tmpdir(), 'nimbus-actionlint-'));
  }, 600_000);
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  // Files are named explicitly: actionlint would otherwise look for the workflows of the nearest git repository.
  const lint = (dir: string) => {
    const workflows = join(dir, '.github', 'workflows');
    const files = readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f));
    return spawnSync(actionlint, ['-no-color', '-oneline', ...files.map((f) => join(workflows, f))], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  it('are accepted by actionlint', () => {
    const run = lint(root);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
  });

  it('a broken workflow is refused (the check can fail)', async () => {
    const dir = join(scratch, '.github', 'workflows');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'broken.yml'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.no_such_context }}\n',
    );
    const run = lint(scratch);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/broken\.yml:6:.*no_such_context/);
  });

  it('the release workflow publishes with provenance, and pushes images and the chart of the released version', async () => {
    const workflow = await readFile(join(root, '.github/workflows/release.yml'), 'utf8');
    expect(workflow).toMatch(/id-token: write/);
    expect(workflow).toMatch(/NPM_CONFIG_PROVENANCE: "true"/);
    expect(workflow).toMatch(/publish: pnpm run release/);
    expect(workflow).toMatch(/scripts\/images build --push/);
    expect(workflow).toMatch(/"\$HELM" push/);
  });
});

describe('versions', () => {
  it('every public package is in the changesets fixed group, and nothing else is', async () => {
    const config = JSON.parse(await readFile(join(root, '.changeset/config.json'), 'utf8')) as {
      fixed: string[][];
      privatePackages: { version: boolean; tag: boolean };
    };
    const published = (await publicPackages(root)).map((p) => p.name).sort();
    expect(published.length).toBeGreaterThan(0);
    expect(config.fixed).toHaveLength(1);
    expect([...(config.fixed[0] ?? [])].sort()).toEqual(published);
    expect(config.privatePackages).toEqual({ version: false, tag: false });
  });

  it('every public package has a CHANGELOG whose newest entry is its version', async () => {
    for (const pkg of await publicPackages(root)) {
      const changelog = await readFile(join(root, pkg.dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog.startsWith(`# ${pkg.name}\n`), pkg.name).toBe(true);
      expect(/^## (\S+)/m.exec(changelog)?.[1], pkg.name).toBe(pkg.version);
    }
  });

  it('the Helm chart is the packages’ version', async () => {
    const chart = chartVersions(await readFile(join(root, 'deploy/helm/nimbus-ts/Chart.yaml'), 'utf8'));
    const version = await releaseVersion(root);
    expect(chart).toEqual({ version, appVersion: version });
  });

  it('deploy/ runs the images of the packages’ version', async () => {
    const version = await releaseVersion(root);
    const manifests = spawnSync('git', ['ls-files', 'deploy'], { cwd: root, encoding: 'utf8' }).stdout;
    const tags = [];
    for (const file of manifests.split('\n').filter((f) => /\.ya?ml$/.test(f))) {
      tags.push(...imageReferences(await readFile(join(root, file), 'utf8')).map((r) => r.tag));
    }
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set([version]));
  });

  it('private packages are the ones that are not meant for npm', async () => {
    const privates = (await workspacePackages(root)).filter((p) => p.private).map((p) => p.dir);
    expect(privates.every((dir) => /^(examples|tools)\//.test(dir) || dir === 'bench' || dir === 'e2e')).toBe(
      true,
    );
    // The top-level packages of pnpm-workspace.yaml are seen too, not only the children of packages/ and co.
    expect(privates).toEqual(expect.arrayContaining(['bench', 'e2e']));
  });
});
