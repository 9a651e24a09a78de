import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directorySize,
  npmInstalledPackages,
  pnpmInstalledPackages,
  productionExclusionReason,
} from '../../src/closure.js';
import { readFilesUnder, run, tail } from '../../src/run.js';
import {
  entryFiles,
  type PackedFiles,
  sourceMapProblems,
  tarballContentProblems,
  undeclaredImportProblems,
} from '../../src/tarball-checks.js';
import {
  binNames,
  entrySpecifiers,
  optionalPeers,
  publicPackages,
  readWorkspacePackages,
  type WorkspacePackage,
  workspaceClosure,
} from '../../src/workspace.js';

// What a user of the registry gets: every public package is packed as `pnpm publish` would pack it, then
// installed with plain npm from its tarball (and the tarballs of the workspace packages it depends on) into a
// project in the system's temp directory, where no workspace link can help. There its production entry points
// must load and its bins answer --help, with no test tooling installed. The ./testing entry points are loaded
// in a real vitest run once their optional peers are installed. Finally each deployable component is deployed
// with `pnpm deploy --prod`, as its Dockerfile does, and must carry no test tooling and stay within 40 MB.
// NIMBUS_PACKAGING_KEEP=1 keeps the tarballs and projects (their directory is printed).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const KEEP = process.env.NIMBUS_PACKAGING_KEEP === '1';
const DEPLOY_BUDGET_BYTES = 40 * 1024 * 1024;
const say = (line: string) => process.stderr.write(`packaging: ${line}\n`);
const slug = (name: string) => name.replace(/^@/, '').replace('/', '-');

const workspace = readWorkspacePackages(ROOT);
const published = publicPackages(workspace);
const deployables = workspace.filter((pkg) => existsSync(join(ROOT, pkg.dir, 'Dockerfile')));
const withTestingEntries = published.filter((pkg) => entrySpecifiers(pkg.manifest).testing.length > 0);

let work = '';
const tarballs = new Map<string, string>();
const packed = new Map<string, PackedFiles>();
/** Each package's install into a scratch project of its own, started by beforeAll. */
const installs = new Map<string, Promise<string>>();
/** The install of the packages with ./testing entry points and their optional peers, started by beforeAll. */
let testingInstall: Promise<string>;
/** The scratch project each package was installed into, once its install succeeded. */
const installedIn = new Map<string, string>();

beforeAll(async () => {
  const unbuilt = published.flatMap(({ dir, manifest }) =>
    entryFiles(manifest)
      .filter((file) => file !== 'package.json' && !existsSync(join(ROOT, dir, file)))
      .map((file) => `${dir}/${file}`),
  );
  if (unbuilt.length > 0) {
    throw new Error(`not built: ${unbuilt.join(', ')}; run 'pnpm turbo run build' first`);
  }
  work = mkdtempSync(join(tmpdir(), 'nimbus-packaging-'));
  say(`working in ${work}${KEEP ? ' (kept)' : ''}`);
  await Promise.all(
    published.map(async ({ dir, manifest }) => {
      say(`packing ${manifest.name}`);
      const result = await run('pnpm', ['pack', '--json', '--pack-destination', join(work, 'tarballs')], {
        cwd: join(ROOT, dir),
        env: process.env,
      });
      if (result.code !== 0) throw new Error(`pnpm pack of ${manifest.name} failed:\n${tail(result)}`);
      const tarball = (JSON.parse(result.stdout) as { filename: string }).filename;
      const unpacked = join(work, 'unpacked', slug(manifest.name));
      mkdirSync(unpacked, { recursive: true });
      const untar = await run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: work });
      if (untar.code !== 0) throw new Error(`unpacking ${tarball} failed:\n${tail(untar)}`);
      tarballs.set(manifest.name, tarball);
      packed.set(manifest.name, readFilesUnder(join(unpacked, 'package')));
    }),
  );
  // The installs start now, two at a time (npm waits on the network and the disk as much as on the CPU);
  // each package's install test awaits its own.
  const twoAtATime = limitConcurrency(2);
  for (const pkg of published) {
    const install = twoAtATime(async () => {
      const project = scratchProject(slug(pkg.manifest.name));
      say(`npm install ${pkg.manifest.name} into ${relative(work, project)}`);
      await npmInstall(project, tarballsFor(pkg));
      return project;
    });
    install.catch(() => {}); // reported by the package's install test
    installs.set(pkg.manifest.name, install);
  }
  // The packages with ./testing entry points, with the optional peers those need, in a project of their own.
  testingInstall = twoAtATime(async () => {
    const project = scratchProject('testing');
    const specs = [...new Set(withTestingEntries.flatMap(tarballsFor)), ...peersOfTesting()];
    say(`npm install ${specs.map((s) => relative(work, s)).join(' ')} into ${relative(work, project)}`);
    await npmInstall(project, specs);
    return project;
  });
  testingInstall.catch(() => {}); // reported by the test that uses it
}, 180_000);

afterAll(() => {
  if (work && !KEEP) rmSync(work, { recursive: true, force: true });
});

/** A fresh npm project outside the workspace. */
function scratchProject(name: string): string {
  const dir = join(work, 'consumers', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `scratch-${name}`, version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  return dir;
}

/** `npm install` of the given tarballs and specs into `project`; rejects with npm's own words on failure. */
async function npmInstall(project: string, specs: readonly string[]): Promise<void> {
  const result = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], {
    cwd: project,
    timeoutMs: 300_000,
  });
  if (result.code !== 0) {
    throw new Error(`npm install ${specs.map((s) => relative(work, s)).join(' ')} failed:\n${tail(result)}`);
  }
}

/** Tarballs of `pkg` and the public workspace packages it depends on; private ones are left to the registry. */
function tarballsFor(pkg: WorkspacePackage): string[] {
  return workspaceClosure(pkg, workspace)
    .map((p) => tarballs.get(p.manifest.name))
    .filter((t): t is string => t !== undefined);
}

/** Installed packages that have no place in a production closure, with the reason. */
function excluded(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const reason = productionExclusionReason(name);
    return reason ? [`${name}: ${reason}`] : [];
  });
}

describe.each(published)('$manifest.name from its tarball', (pkg) => {
  const { name } = pkg.manifest;
  const files = () => packed.get(name) as PackedFiles;

  it('carries LICENSE, README.md, the publish metadata and its entry files, and no tests or build info', () => {
    expect(tarballContentProblems(files(), pkg.dir)).toEqual([]);
    expect(files().get('LICENSE'), 'LICENSE is the repository’s').toBe(
      readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
    );
  });

  it('ships every file its source maps and declaration maps point at', () => {
    const maps = [...files().keys()].filter((path) => path.endsWith('.map'));
    expect(maps.length, 'the build emits maps; if that changes, drop this check').toBeGreaterThan(0);
    expect(sourceMapProblems(files())).toEqual([]);
  });

  it('imports only packages it declares (optional peers only as types, or from ./testing)', () => {
    expect(undeclaredImportProblems(files())).toEqual([]);
  });

  it('installs with plain npm in a project outside the workspace, without test tooling', async () => {
    const project = await (installs.get(name) as Promise<string>);
    installedIn.set(name, project);
    expect(excluded(npmInstalledPackages(join(project, 'node_modules')))).toEqual([]);
  });

  it('loads every production entry point there', async () => {
    const project = installedIn.get(name);
    if (!project) throw new Error(`${name} did not install (see the test above)`);
    const failures: string[] = [];
    for (const specifier of entrySpecifiers(pkg.manifest).production) {
      const script = `const m = await import(${JSON.stringify(specifier)});
if (Object.keys(m).length === 0) throw new Error('${specifier} exports nothing');`;
      const result = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
      if (result.code !== 0) failures.push(`import('${specifier}') failed:\n${tail(result, 12)}`);
    }
    expect(failures).toEqual([]);
  });

  const bins = binNames(pkg.manifest);
  if (bins.length === 0) return;
  it(`answers --help from every bin (${bins.join(', ')})`, async () => {
    const project = installedIn.get(name);
    if (!project) throw new Error(`${name} did not install (see the test above)`);
    const failures: string[] = [];
    for (const bin of bins) {
      const result = await run(join(project, 'node_modules', '.bin', bin), ['--help'], { cwd: project });
      const output = `${result.stdout}${result.stderr}`;
      if (result.code !== 0 || !/usage/i.test(output)) {
        failures.push(
          `${bin} --help exited ${result.code}${/usage/i.test(output) ? '' : ' without usage text'}:\n${tail(result, 12)}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('the nimbus CLI as installed from its tarball', () => {
  it('validates and renders the repository’s examples with its built-in adapters', async () => {
    const project = installedIn.get('@nimbus-ts/cli');
    if (!project) throw new Error('@nimbus-ts/cli did not install (see its install test)');
    const nimbus = join(project, 'node_modules', '.bin', 'nimbus');
    const input = [
      '-f',
      join(ROOT, 'examples/intents/runtime.yaml'),
      '-f',
      join(ROOT, 'examples/bindings/demo-web.yaml'),
    ];
    const validated = await run(nimbus, ['validate', ...input], { cwd: project });
    expect(validated.code, tail(validated, 12)).toBe(0);
    const rendered = await run(nimbus, ['render', ...input], { cwd: project });
    expect(rendered.code, tail(rendered, 12)).toBe(0);
    expect(rendered.stdout).toMatch(/^kind: NimbusPolicy$/m);
    expect(rendered.stdout).toMatch(/^kind: KubeArmorPolicy$/m);
  });
});

describe('the ./testing entry points from the tarballs', () => {
  it('without their optional peers, the control-plane command says what to install', async () => {
    const owner = published.find((pkg) => binNames(pkg.manifest).includes('nimbus-envtest'));
    if (!owner) throw new Error('no public package has the nimbus-envtest bin any more; update this test');
    const project = await (installs.get(owner.manifest.name) as Promise<string>);
    // A plain install has no client to start a control plane with: the command must fail with the fix, not a
    // stack trace.
    expect(existsSync(join(project, 'node_modules', '@kubernetes', 'client-node'))).toBe(false);
    const result = await run(join(project, 'node_modules', '.bin', 'nimbus-envtest'), ['start'], {
      cwd: project,
    });
    expect(result.code, tail(result)).toBe(1);
    expect(result.stderr).toContain('npm install -D @kubernetes/client-node');
  });

  it(`load in a vitest run with their optional peers (${peersOfTesting().join(' ')})`, async () => {
    const project = await testingInstall;
    const specifiers = withTestingEntries.flatMap((pkg) => entrySpecifiers(pkg.manifest).testing);
    // Static imports: a setup module (vitest-setup) registers its hooks while the file is collected, as it
    // would from setupFiles.
    const testFile = [
      "import { expect, it } from 'vitest';",
      ...specifiers.map((s, i) => `import * as entry${i} from ${JSON.stringify(s)};`),
      `const entries = { ${specifiers.map((s, i) => `${JSON.stringify(s)}: entry${i}`).join(', ')} };`,
      "it.each(Object.keys(entries))('%s loads', (s) => expect(entries[s]).toBeTypeOf('object'));",
      '',
    ].join('\n');
    writeFileSync(join(project, 'entries.test.mjs'), testFile);
    say(`vitest run over ${specifiers.length} testing entry points`);
    const result = await run(join(project, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=verbose'], {
      cwd: project,
    });
    expect(result.code, tail(result)).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(new RegExp(`Tests\\s+${specifiers.length} passed`));
  });
});

/** The optional peers of the packages with ./testing entry points, as `name@range`. */
function peersOfTesting(): string[] {
  const peers = new Map<string, string>();
  for (const { manifest } of withTestingEntries) {
    for (const peer of optionalPeers(manifest)) {
      if (!peers.has(peer)) peers.set(peer, `${peer}@${manifest.peerDependencies?.[peer]}`);
    }
  }
  return [...peers.values()];
}

describe.each(deployables)('pnpm deploy --prod of $manifest.name', ({ dir, manifest }) => {
  it('carries no test tooling and stays within 40 MB', async () => {
    // Inside the workspace's node_modules, so that pnpm's stray bins (below) land in an ignored directory too.
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const target = mkdtempSync(join(cache, `nimbus-deploy-${slug(manifest.name)}-`));
    // pnpm 10's legacy deploy also links the deployed package's bins into `<package dir>/<target relative to the
    // workspace root>/node_modules/.bin`, a stray directory; it is removed below with the target.
    const stray = resolve(ROOT, dir, relative(ROOT, join(target, 'node_modules')));
    const strayRoot = firstMissingAncestor(stray);
    try {
      say(`pnpm deploy --prod ${manifest.name}`);
      const result = await run('pnpm', ['--filter', manifest.name, 'deploy', '--prod', '--legacy', target], {
        cwd: ROOT,
        timeoutMs: 300_000,
      });
      expect(result.code, tail(result)).toBe(0);
      expect(excluded(pnpmInstalledPackages(join(target, 'node_modules')))).toEqual([]);
      const size = directorySize(target);
      say(`${manifest.name}: pnpm deploy --prod is ${(size / 1024 / 1024).toFixed(1)} MB`);
      expect(size, `${manifest.name}'s production closure is over 40 MB`).toBeLessThanOrEqual(
        DEPLOY_BUDGET_BYTES,
      );
    } finally {
      rmSync(target, { recursive: true, force: true });
      if (strayRoot && !`${target}${sep}`.startsWith(`${strayRoot}${sep}`)) {
        rmSync(strayRoot, { recursive: true, force: true });
      }
    }
  });
});

/** Runs at most `limit` of the given tasks at once, in the order they were handed over. */
function limitConcurrency(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** The outermost directory on the way to `path` that does not exist yet (undefined if `path` exists). */
function firstMissingAncestor(path: string): string | undefined {
  let missing: string | undefined;
  for (let current = path; !existsSync(current); current = dirname(current)) missing = current;
  return missing;
}
