import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declarationProblems, declarationsInModule } from '../../src/adapter-modules.js';
import { fixture, NETPOL_ADAPTER, run } from '../helpers.js';

// How the CLI learns adapters: the published ones are built in (from their light ./declaration entry points);
// any other is loaded by module specifier with --adapter or from a config file, found by a documented
// convention, with errors that name the specifier and the fix.

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CONFIG_MAPS = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const valid = { name: 'acme', intents: ['acmeGuard'], kinds: [CONFIG_MAPS], build: () => [] };

describe('declarationProblems', () => {
  it.each<{ name: string; value: unknown; expected: string[] }>([
    { name: 'a declaration', value: valid, expected: [] },
    {
      name: 'one with inputs and a cluster builder',
      value: {
        ...valid,
        inputs: { nodes: { ...CONFIG_MAPS, kind: 'Node', plural: 'nodes' } },
        buildCluster: () => [],
      },
      expected: [],
    },
    { name: 'a number', value: 42, expected: ['it is not an object'] },
    { name: 'an array', value: [valid], expected: ['it is not an object'] },
    {
      name: 'an upper-case name',
      value: { ...valid, name: 'Acme' },
      expected: ['name must be a short lower-case name such as "kubearmor" (letters, digits and -)'],
    },
    {
      name: 'intents that are not strings',
      value: { ...valid, intents: 'acmeGuard' },
      expected: ['intents must be an array of intent IDs'],
    },
    {
      name: 'a kind without plural and namespaced',
      value: { ...valid, kinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }] },
      expected: ['kinds[0].plural must be a non-empty string', 'kinds[0].namespaced must be true or false'],
    },
    {
      name: 'no builder',
      value: { name: 'half', intents: ['x'] },
      expected: ['kinds must be an array of ResourceTypes', 'build must be a function'],
    },
  ])('$name', ({ value, expected }) => {
    expect(declarationProblems(value)).toEqual(expected);
  });
});

describe('declarationsInModule', () => {
  const other = { ...valid, name: 'other' };
  it.each<{ name: string; namespace: Record<string, unknown>; expected: unknown }>([
    {
      name: 'the default export',
      namespace: { default: valid, other },
      expected: { found: true, declarations: [valid], from: 'export default' },
    },
    {
      name: 'a default array',
      namespace: { default: [valid, other] },
      expected: { found: true, declarations: [valid, other], from: 'export default' },
    },
    {
      name: "'adapter' when there is no default",
      namespace: { adapter: valid, version: '1' },
      expected: { found: true, declarations: [valid], from: 'export adapter' },
    },
    {
      name: "'declarations'",
      namespace: { declarations: [other] },
      expected: { found: true, declarations: [other], from: 'export declarations' },
    },
    {
      name: 'a default that is not a declaration (CommonJS interop), then the named ones',
      namespace: { default: { valid, other }, valid, other },
      expected: { found: true, declarations: [valid, other], from: 'export valid, other' },
    },
    {
      name: 'one declaration under two names, once',
      namespace: { netpolAdapter: valid, alsoNetpol: valid, NETPOL_INTENTS: ['x'] },
      expected: { found: true, declarations: [valid], from: 'export netpolAdapter, alsoNetpol' },
    },
    {
      name: 'nothing, with what the conventional exports lack',
      namespace: { default: { name: 'half', intents: ['x'] }, adapter: [] },
      expected: {
        found: false,
        problems: [
          'export default: kinds must be an array of ResourceTypes; build must be a function',
          'export adapter: it is an empty array',
        ],
      },
    },
  ])('finds $name', ({ namespace, expected }) => {
    expect(declarationsInModule(namespace)).toEqual(expected);
  });
});

describe('the ./declaration entry points of the adapter packages', () => {
  // What loading an entry point loads: every relative module reachable from it, and the packages it imports.
  // Read from the built JavaScript, where type-only imports are gone, so it is what a process really loads.
  // @nimbus-ts/k8s is loaded for boundedName, as every CLI command loads it anyway.
  function moduleGraph(entry: string): { files: string[]; packages: string[] } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const todo = [entry];
    for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
      if (files.has(file)) continue;
      files.add(file);
      for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(
        /(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g,
      )) {
        if (specifier.startsWith('.')) todo.push(resolve(dirname(file), specifier));
        else packages.add(specifier);
      }
    }
    const dist = dirname(entry);
    return { files: [...files].map((f) => relative(dist, f)).sort(), packages: [...packages].sort() };
  }

  it.each([
    {
      entry: 'packages/adapter-kubearmor/dist/declaration.js',
      files: ['adapter.js', 'build.js', 'declaration.js', 'kinds.js', 'severity.js', 'templates.js'],
      packages: ['@nimbus-ts/idpool', '@nimbus-ts/k8s'],
    },
    {
      entry: 'packages/adapter-clair/dist/declaration.js',
      files: ['adapter.js', 'build/image-scan-policy.js', 'build/params.js', 'declaration.js'],
      packages: ['@nimbus-ts/idpool', '@nimbus-ts/k8s', '@nimbus-ts/scan-api'],
    },
    {
      entry: 'packages/adapter-admission/dist/declaration.js',
      files: ['adapter.js', 'build/admission-params.js', 'build/image-admission-policy.js', 'declaration.js'],
      packages: ['@nimbus-ts/idpool', '@nimbus-ts/k8s', '@nimbus-ts/scan-api'],
    },
    {
      entry: 'examples/adapter-netpol/dist/declaration.js',
      files: ['adapter.js', 'build.js', 'declaration.js'],
      packages: ['@nimbus-ts/idpool', '@nimbus-ts/k8s'],
    },
  ])('$entry loads the declaration and its builder only, not the process', ({ entry, files, packages }) => {
    expect(moduleGraph(join(REPO, entry))).toEqual({ files, packages });
  });

  it('are exported by each package as ./declaration, with the declaration as default export', async () => {
    for (const dir of [
      'packages/adapter-kubearmor',
      'packages/adapter-clair',
      'packages/adapter-admission',
      'examples/adapter-netpol',
    ]) {
      const pkg = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as {
        exports: Record<string, { default: string }>;
      };
      expect(pkg.exports['./declaration'], dir).toEqual({
        types: './dist/declaration.d.ts',
        default: './dist/declaration.js',
      });
      const module = (await import(join(REPO, dir, 'dist/declaration.js'))) as Record<string, unknown>;
      expect(declarationProblems(module.default), dir).toEqual([]);
    }
  });

  it('the CLI does not depend on the private netpol example', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain(
      '@nimbus-ts/example-adapter-netpol',
    );
  });
});

describe('nimbus --adapter and the config file', () => {
  const input = `apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntent
metadata: {name: guard}
spec: {intent: {id: acmeGuard, action: Block}}
---
apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntent
metadata: {name: dns}
spec: {intent: {id: dnsManipulation, action: Block}}
---
apiVersion: intent.security.nimbus.com/v1alpha1
kind: SecurityIntentBinding
metadata: {name: web, namespace: shop}
spec:
  intents: [{name: guard}, {name: dns}]
  selector: {workloadSelector: {matchLabels: {app: web}}}
`;
  const adapters = async (argv: string[], options: { cwd?: string } = {}) => {
    const result = await run(['render', '-f', '-', '-o', 'rendering', ...argv], { stdin: input, ...options });
    const rendering = result.stdout
      ? (JSON.parse(result.stdout) as {
          policies: { objects: { adapter: string; object: { kind: string } }[] }[];
        })
      : undefined;
    const objects = rendering?.policies.flatMap((p) => p.objects) ?? [];
    return { ...result, built: objects.map((o) => `${o.adapter}: ${o.object.kind}`) };
  };
  const tempDir = () => mkdtempSync(join(tmpdir(), 'nimbus-adapters-'));

  it('renders with the built-in adapters only by default', async () => {
    const { code, built } = await adapters([]);
    expect(code).toBe(0);
    expect(built).toEqual(['kubearmor: KubeArmorPolicy']);
  });

  it('loads a module by path and uses it besides the built-ins', async () => {
    const { code, built, stderr } = await adapters(['--adapter', fixture('adapters/acme.mjs')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(built).toEqual(['kubearmor: KubeArmorPolicy', 'acme: ConfigMap']);
  });

  it('loads a path relative to the current directory, with or without ./', async () => {
    const cwd = fixture('adapters');
    for (const path of ['./acme.mjs', 'acme.mjs']) {
      const { code, built } = await adapters(['--adapter', path], { cwd });
      expect(code, path).toBe(0);
      expect(built, path).toEqual(['kubearmor: KubeArmorPolicy', 'acme: ConfigMap']);
    }
  });

  it('loads an installed package by name, and by an exported subpath, from the current directory', async () => {
    const cwd = tempDir();
    const pkg = join(cwd, 'node_modules', '@acme', 'nimbus-adapter');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@acme/nimbus-adapter',
        type: 'module',
        exports: { '.': './index.mjs', './declaration': './declaration.mjs' },
      }),
    );
    writeFileSync(join(pkg, 'declaration.mjs'), readFileSync(fixture('adapters/acme.mjs'), 'utf8'));
    writeFileSync(join(pkg, 'index.mjs'), "export { default as adapter } from './declaration.mjs';\n");
    for (const specifier of ['@acme/nimbus-adapter', '@acme/nimbus-adapter/declaration']) {
      const { code, built, stderr } = await adapters(['--adapter', specifier], { cwd });
      expect(stderr, specifier).toBe('');
      expect(code, specifier).toBe(0);
      expect(built, specifier).toEqual(['kubearmor: KubeArmorPolicy', 'acme: ConfigMap']);
    }
    const hidden = await adapters(['--adapter', '@acme/nimbus-adapter/index.mjs'], { cwd });
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain(
      "package @acme/nimbus-adapter/index.mjs does not export that entry point for Node's default or require conditions",
    );
  });

  it('names a package that is installed but is no adapter as such', async () => {
    const cwd = tempDir();
    const pkg = join(cwd, 'node_modules', 'left-pad');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'left-pad', main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), 'module.exports = (s, n) => s.padStart(n);\n');
    const { code, stderr } = await adapters(['--adapter', 'left-pad'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `nimbus render: usage: --adapter left-pad: file://${join(pkg, 'index.js')} exports no adapter declaration`,
    );
  });

  it('lets a loaded module replace the built-in adapter of the same name', async () => {
    const dir = tempDir();
    const newer = join(dir, 'kubearmor-next.mjs');
    writeFileSync(
      newer,
      readFileSync(fixture('adapters/acme.mjs'), 'utf8').replace("name: 'acme'", "name: 'kubearmor'"),
    );
    const { code, built } = await adapters(['--adapter', newer]);
    expect(code).toBe(0);
    expect(built).toEqual(['kubearmor: ConfigMap']);
  });

  it('selects by name among known adapters, and keeps loaded modules', async () => {
    const only = await adapters(['--adapter', 'clair']);
    expect(only.built).toEqual([]);
    const named = await adapters(['--adapter', 'clair', '--adapter', fixture('adapters/acme.mjs')]);
    expect(named.built).toEqual(['acme: ConfigMap']);
    // A name declared by a module given on the same command line selects it alone.
    const netpol = await adapters(['--adapter', NETPOL_ADAPTER, '--adapter', 'netpol']);
    expect(netpol.built).toEqual(['netpol: NetworkPolicy']);
  });

  it('finds the declarations of a module by its named exports', async () => {
    const { code, stderr } = await run(['render', '-h', '--adapter', fixture('adapters/named-only.mjs')]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const loaded = await adapters(['--adapter', fixture('adapters/named-only.mjs'), '--adapter', 'first']);
    expect(loaded.code).toBe(0);
  });

  it('reads the adapters of nimbus.config.json in the current directory, relative to the file', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'nimbus.config.json'),
      JSON.stringify({ adapters: [relative(cwd, fixture('adapters/acme.mjs')), NETPOL_ADAPTER] }),
    );
    const { code, built, stderr } = await adapters([], { cwd });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(built).toEqual(['kubearmor: KubeArmorPolicy', 'acme: ConfigMap', 'netpol: NetworkPolicy']);
    // Config adapters are known by name, so --adapter can select among them.
    expect((await adapters(['--adapter', 'acme'], { cwd })).built).toEqual(['acme: ConfigMap']);
  });

  it('reads .nimbusrc.json, and --config PATH from anywhere', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.nimbusrc.json'), JSON.stringify({ adapters: [fixture('adapters/acme.mjs')] }));
    expect((await adapters([], { cwd: dir })).built).toContain('acme: ConfigMap');
    const elsewhere = await adapters(['--config', join(dir, '.nimbusrc.json')], { cwd: tempDir() });
    expect(elsewhere.built).toContain('acme: ConfigMap');
  });

  it.each<{ name: string; argv: (dir: string) => string[]; code: number; message: (dir: string) => string }>([
    {
      name: 'a name that is neither an adapter nor a package',
      argv: () => ['--adapter', 'tetragon'],
      code: 2,
      message: (dir) =>
        `nimbus render: usage: --adapter tetragon: no adapter of that name (known: kubearmor, clair, admission, kyverno, k8tls) and no package tetragon installed where Node looks from ${dir}; pass a known name, a package name or a path (./adapter.js) (nimbus render --help)`,
    },
    {
      name: 'a path to nothing',
      argv: () => ['--adapter', './missing.js'],
      code: 2,
      message: (dir) =>
        `nimbus render: usage: --adapter ./missing.js: no file ${join(dir, 'missing.js')}; give the path of the adapter's built JavaScript module (e.g. dist/declaration.js) (nimbus render --help)`,
    },
    {
      name: 'a scoped package that is not installed',
      argv: () => ['--adapter', '@acme/nimbus-adapter'],
      code: 2,
      message: (dir) =>
        `nimbus render: usage: --adapter @acme/nimbus-adapter: no package @acme/nimbus-adapter is installed where Node looks from ${dir}; install it there, or give a path (./adapter.js) (nimbus render --help)`,
    },
    {
      name: 'a module that exports no declaration',
      argv: () => ['--adapter', fixture('adapters/no-declaration.mjs')],
      code: 2,
      message: () =>
        `nimbus render: usage: --adapter ${fixture('adapters/no-declaration.mjs')}: file://${fixture('adapters/no-declaration.mjs')} exports no adapter declaration (export default: kinds must be an array of ResourceTypes; build must be a function); export the AdapterDeclaration as default (export default adapter) or as 'adapter', or name the package's ./declaration entry point (nimbus render --help)`,
    },
    {
      name: 'a module that throws while loading',
      argv: () => ['--adapter', fixture('adapters/throws.mjs')],
      code: 1,
      message: () =>
        `nimbus render: error: --adapter ${fixture('adapters/throws.mjs')}: loading file://${fixture('adapters/throws.mjs')} failed: acme adapter needs ACME_TOKEN`,
    },
  ])('rejects $name, naming it and the fix', async ({ argv, code, message }) => {
    const cwd = tempDir();
    const result = await run(['render', '-f', '-', ...argv(cwd)], { stdin: input, cwd });
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message(cwd)}\n`);
  });

  it('rejects two different modules declaring the same adapter name', async () => {
    const dir = tempDir();
    const copy = join(dir, 'acme-copy.mjs');
    writeFileSync(copy, readFileSync(fixture('adapters/acme.mjs'), 'utf8'));
    const result = await run(
      ['render', '-f', '-', '--adapter', fixture('adapters/acme.mjs'), '--adapter', copy],
      {
        stdin: input,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `nimbus render: usage: adapter "acme" is loaded twice, by --adapter ${fixture('adapters/acme.mjs')} and by --adapter ${copy}; load it once (nimbus render --help)\n`,
    );
  });

  it.each<{ name: string; file: string; text: string; message: (path: string) => string }>([
    {
      name: 'invalid JSON',
      file: 'nimbus.config.json',
      text: '{adapters: []}',
      // The rest is Node's own wording of the syntax error.
      message: (path) => `${path}: not valid JSON: `,
    },
    {
      name: 'an unknown key',
      file: 'nimbus.config.json',
      text: '{"adapter": ["./x.js"]}',
      message: (path) => `${path}: unknown key "adapter"; the only key is "adapters"`,
    },
    {
      name: 'adapters that are not strings',
      file: '.nimbusrc.json',
      text: '{"adapters": [{"name": "acme"}]}',
      message: (path) =>
        `${path}: "adapters" must be an array of package names or paths, e.g. ["@acme/nimbus-adapter/declaration"]`,
    },
    {
      name: 'a built-in adapter listed',
      file: 'nimbus.config.json',
      text: '{"adapters": ["kubearmor"]}',
      message: (path) =>
        `${path}: adapters[0] "kubearmor" is a built-in adapter, always known; list only modules to load`,
    },
    {
      name: 'a module that is not there',
      file: 'nimbus.config.json',
      text: '{"adapters": ["./gone.js"]}',
      message: (path) =>
        `${path}: adapters[0] "./gone.js": no file ${join(dirname(path), 'gone.js')}; give the path of the adapter's built JavaScript module (e.g. dist/declaration.js)`,
    },
  ])('reports a config file with $name (exit 1)', async ({ file, text, message }) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, file), text);
    const result = await run(['render', '-f', '-'], { stdin: input, cwd });
    expect(result.code).toBe(1);
    const expected = `nimbus render: error: ${message(join(cwd, file))}`;
    if (expected.endsWith(': ')) expect(result.stderr.startsWith(expected)).toBe(true);
    else expect(result.stderr).toBe(`${expected}\n`);
  });

  it('refuses two config files, and a --config that does not exist', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'nimbus.config.json'), '{}');
    writeFileSync(join(cwd, '.nimbusrc.json'), '{}');
    const both = await run(['validate', '-f', '-'], { stdin: input, cwd });
    expect(both.code).toBe(1);
    expect(both.stderr).toBe(
      `nimbus validate: error: ${join(cwd, 'nimbus.config.json')} and ${join(cwd, '.nimbusrc.json')} both exist; keep one of them (or pass --config PATH)\n`,
    );
    const missing = await run(['status', '--config', 'nope.json'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `nimbus status: error: --config nope.json: no such file (${join(cwd, 'nope.json')})\n`,
    );
  });
});
