import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';

// The documents tell people where things are and what to copy. A path they name that does not exist sends a reader
// (or a copied command) nowhere, so every repository path they mention, in `code` or in a code block, must exist.
// What they show to copy must be what runs: a block after `<!-- quote: <path> -->` is that file, character for
// character, and the files quoted are the ones the test suite runs.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Top-level folders whose paths the documents name; anything under them must exist. */
const TOP_LEVEL = ['deploy', 'packages', 'examples', 'tools', 'docs', 'scripts', 'bench'];

/** Paths that are named on purpose although they are not in the repository, and why. */
const NOT_IN_REPOSITORY = new Map([['docs/api', 'written by `pnpm docs:api`, never committed']]);

/** README.md, CONTRIBUTING.md, docs/*.md, the decision records, and the README of every package, example and tool. */
function documents(): string[] {
  const found = ['README.md', 'CONTRIBUTING.md'];
  for (const folder of ['docs', 'docs/adr']) {
    for (const file of readdirSync(join(ROOT, folder)))
      if (file.endsWith('.md')) found.push(`${folder}/${file}`);
  }
  for (const parent of ['packages', 'examples', 'tools']) {
    if (existsSync(join(ROOT, parent, 'README.md'))) found.push(`${parent}/README.md`);
    for (const dir of readdirSync(join(ROOT, parent))) {
      if (existsSync(join(ROOT, parent, dir, 'README.md'))) found.push(`${parent}/${dir}/README.md`);
    }
  }
  return found;
}

/** The text a reader sees as code: inline `spans` and fenced blocks. */
function codeOf(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '');
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '');
  return [...blocks, ...spans];
}

/** Repository paths in a piece of code: words starting with a top-level folder, not part of a URL or longer path. */
function repositoryPaths(code: string): string[] {
  const pattern = new RegExp(`(?:^|[\\s'"\`(=:,\\[])((?:${TOP_LEVEL.join('|')})/[\\w.*{},<>/-]*)`, 'g');
  return [...code.matchAll(pattern)]
    .map((m) => (m[1] ?? '').replace(/[.,:]+$/, '').replace(/\/+$/, ''))
    .filter((path) => path.includes('/'));
}

/** Expands `{a,b}` alternatives: `examples/{intents,bindings}` → both paths. */
function expandBraces(path: string): string[] {
  const match = /\{([^{}]*)\}/.exec(path);
  if (!match) return [path];
  return (match[1] ?? '').split(',').flatMap((choice) => expandBraces(path.replace(match[0], choice)));
}

/** True when the path exists; `*` and `<placeholder>` stand for any one name. */
function pathExists(path: string, base = ROOT): boolean {
  const [first, ...rest] = path.split('/');
  if (first === undefined || first === '') return rest.length === 0 || pathExists(rest.join('/'), base);
  const wildcard = first.includes('*') || /<[^>]+>/.test(first);
  const candidates = wildcard
    ? (() => {
        const pattern = new RegExp(
          `^${first
            .split(/(\*|<[^>]+>)/)
            .map((part) =>
              part === '*' || /^<[^>]+>$/.test(part) ? '.*' : part.replace(/[.+?^$()|[\]\\]/g, '\\$&'),
            )
            .join('')}$`,
        );
        return existsSync(base) && statSync(base).isDirectory()
          ? readdirSync(base).filter((name) => pattern.test(name))
          : [];
      })()
    : [first];
  return candidates.some((name) => {
    const next = join(base, name);
    return existsSync(next) && (rest.length === 0 || pathExists(rest.join('/'), next));
  });
}

/** Every path a document names that does not exist, as `document: path`. */
function missingPaths(): string[] {
  const missing: string[] = [];
  for (const document of documents()) {
    const text = readFileSync(join(ROOT, document), 'utf8');
    for (const path of new Set(codeOf(text).flatMap(repositoryPaths))) {
      if (NOT_IN_REPOSITORY.has(path)) continue;
      if (!expandBraces(path).every((p) => pathExists(p))) missing.push(`${document}: ${path}`);
    }
  }
  return missing;
}

describe('repository paths named in the documents', () => {
  it('finds paths in code spans and blocks, not in URLs', () => {
    expect(repositoryPaths('kubectl apply -k deploy/core-operator   # see `docs/OPERATIONS.md`.')).toEqual([
      'deploy/core-operator',
      'docs/OPERATIONS.md',
    ]);
    expect(repositoryPaths("await cp.installCRDs(['deploy/crds']);")).toEqual(['deploy/crds']);
    expect(repositoryPaths('https://github.com/5GSEC/nimbus/tree/main/deploy/nimbus')).toEqual([]);
    expect(repositoryPaths('~/.cache/nimbus-ts/envtest/bin and packages/*/package.json')).toEqual([
      'packages/*/package.json',
    ]);
  });

  it('understands globs, placeholders and alternatives', () => {
    expect(pathExists('packages/*/package.json')).toBe(true);
    expect(pathExists('deploy/<component>/kustomization.yaml')).toBe(true);
    expect(expandBraces('examples/{intents,bindings}').every((p) => pathExists(p))).toBe(true);
    expect(pathExists('deploy/crds')).toBe(false);
    expect(pathExists('packages/*/no-such-file')).toBe(false);
  });

  it('names only paths that exist', () => {
    expect(documents()).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/OPERATIONS.md',
        'packages/k8s/README.md',
        'tools/images/README.md',
      ]),
    );
    expect(missingPaths()).toEqual([]);
  });

  it('explains every exception, and each is still needed', () => {
    const named = new Set(
      documents().flatMap((document) =>
        codeOf(readFileSync(join(ROOT, document), 'utf8')).flatMap(repositoryPaths),
      ),
    );
    for (const [path, why] of NOT_IN_REPOSITORY) {
      expect(why).not.toBe('');
      expect(named.has(path), `${path} is no longer named; drop it from NOT_IN_REPOSITORY`).toBe(true);
      expect(pathExists(path), `${path} exists now; drop it from NOT_IN_REPOSITORY`).toBe(false);
    }
  });
});

/** Prose passages of `size` lines (code blocks left out, where repetition is normal) that a document repeats. */
function repeatedPassages(markdown: string, size = 5): string[] {
  const lines = markdown
    .replace(/^```[^\n]*\n[\s\S]*?^```/gm, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (let i = 0; i + size <= lines.length; i++) {
    const passage = lines.slice(i, i + size).join('\n');
    if (seen.has(passage)) repeated.push(lines[i] ?? '');
    seen.add(passage);
  }
  return repeated;
}

describe('the documents', () => {
  it('carry no merge-conflict markers (Markdown renders them as text, so nothing else catches them)', () => {
    const marked = documents().filter((document) =>
      /^(<{7}|>{7}) /m.test(readFileSync(join(ROOT, document), 'utf8')),
    );
    expect(marked).toEqual([]);
  });

  it('say each thing once: a repeated passage drifts into a contradiction', () => {
    expect(repeatedPassages('a\nb\nc\n\nd\ne\nx\na\nb\nc\nd\ne')).toEqual(['a']);
    expect(repeatedPassages('```yaml\na\nb\nc\nd\ne\n```\n```yaml\na\nb\nc\nd\ne\n```')).toEqual([]);
    const repeats = documents().flatMap((document) =>
      repeatedPassages(readFileSync(join(ROOT, document), 'utf8')).map((line) => `${document}: ${line}`),
    );
    expect(repeats).toEqual([]);
  });
});

/** Every `<!-- quote: path -->` block of a document: the path and the block's text. */
function quotes(document: string): { path: string; block: string }[] {
  const text = readFileSync(join(ROOT, document), 'utf8');
  return [...text.matchAll(/^<!-- quote: (\S+) -->\n\n```\w*\n([\s\S]*?)^```$/gm)].map((m) => ({
    path: m[1] ?? '',
    block: m[2] ?? '',
  }));
}

describe('files the documents quote', () => {
  it('are quoted exactly', () => {
    const stale = documents().flatMap((document) =>
      quotes(document)
        .filter(
          ({ path, block }) =>
            !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== block,
        )
        .map(({ path }) => `${document} quotes ${path}, which differs (copy the file into the block)`),
    );
    expect(stale).toEqual([]);
  });

  it('include what an adapter author copies: the test recipes the suite runs and the proven RBAC', () => {
    const quoted = (document: string) => quotes(document).map((q) => q.path);
    // The top-level README's "Testing your own code against a real API server".
    expect(quoted('README.md')).toContain('examples/adapter-netpol/test/integration/control-plane.test.ts');
    expect(quoted('examples/adapter-netpol/README.md')).toEqual([
      'examples/adapter-netpol/vitest.config.ts',
      'examples/adapter-netpol/test/integration/quick-start.test.ts',
      'deploy/adapter-netpol/rbac.yaml',
    ]);
    // The quoted configuration is the one the repository runs the example's integration tests with.
    const root = readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8');
    expect(root).toContain("extends: './examples/adapter-netpol/vitest.config.ts'");
  });

  it('quote all of the RBAC the netpol RBAC proof runs with', () => {
    // The proof (examples/adapter-netpol/test/integration/rbac.test.ts) runs with `kubectl kustomize
    // deploy/adapter-netpol`: every RBAC object in it must come from the quoted rbac.yaml.
    const dir = join(ROOT, 'deploy', 'adapter-netpol');
    const kustomization = loadAll(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0] as {
      resources: string[];
    };
    const rbacKinds = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
    const withRbac = kustomization.resources.filter((file) =>
      loadAll(readFileSync(join(dir, file), 'utf8')).some((o) =>
        rbacKinds.has((o as { kind?: string })?.kind ?? ''),
      ),
    );
    expect(withRbac).toEqual(['rbac.yaml']);
    const rules = loadAll(readFileSync(join(dir, 'rbac.yaml'), 'utf8'))
      .filter((o) => (o as { kind?: string }).kind === 'ClusterRole')
      .flatMap((o) => (o as { rules: { resources: string[]; verbs: string[] }[] }).rules);
    // The rule a README once left out: without it, OwnerReferencesPermissionEnforcement refuses the adapter's writes.
    expect(rules).toContainEqual(
      expect.objectContaining({ resources: ['nimbuspolicies/finalizers'], verbs: ['update'] }),
    );
  });
});
