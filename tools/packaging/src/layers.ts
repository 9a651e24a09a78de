import type { WorkspacePackage } from './workspace.js';

/**
 * What a workspace package is, as docs/ARCHITECTURE.md declares it:
 * - `library`: shared code every component builds on (the Nimbus API, the SDK, the intent IDs);
 * - `component`: one deployable (the core operator, an adapter), built only on libraries;
 * - `composition`: puts several components together (the CLI, the demo, the system tests, the benchmarks);
 * - `tooling`: private build, release and test tooling.
 */
export type LayerKind = 'library' | 'component' | 'composition' | 'tooling';

const KINDS: readonly LayerKind[] = ['library', 'component', 'composition', 'tooling'];

/** One workspace dependency of a package: the package it names, and whether only `devDependencies` names it. */
export interface WorkspaceDependency {
  readonly name: string;
  readonly dev: boolean;
}

/** One row of the declared layering: a package, its kind and the workspace dependencies it may (and does) have. */
export interface DeclaredLayer {
  readonly name: string;
  readonly kind: LayerKind;
  readonly dependencies: readonly WorkspaceDependency[];
}

/** The document that declares the layering, relative to the repository root. */
export const LAYERING_DOCUMENT = 'docs/ARCHITECTURE.md';

/** The comment that precedes the layering table in {@link LAYERING_DOCUMENT}. */
export const LAYERING_MARKER = '<!-- layering -->';

/**
 * Component-on-component dependencies still there for a reason that is going away, as `[from, to]` package names.
 * {@link kindProblems} still reports them; `pnpm layers` and the unit test let these through, and the test fails
 * once one is no longer needed, so an entry cannot outlive its reason. Each has a sentence in
 * {@link LAYERING_DOCUMENT} below the table.
 */
// Empty since the Clair adapter's split moved its cross-component tests to e2e/; an entry needs a comment saying
// why, and the unit test fails once its dependency is gone.
export const PENDING_COMPONENT_DEPENDENCIES: ReadonlyMap<string, string> = new Map<string, string>([]);

/** Whether a problem of {@link kindProblems} is one of {@link PENDING_COMPONENT_DEPENDENCIES}. */
export function isPendingProblem(
  problem: string,
  pending: ReadonlyMap<string, string> = PENDING_COMPONENT_DEPENDENCIES,
): boolean {
  return [...pending].some(
    ([from, to]) => problem.startsWith(`${from} (`) && problem.includes(`the component ${to} `),
  );
}

const ALL_DEPENDENCY_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'devDependencies',
] as const;

/**
 * The workspace packages `pkg` names in any dependency field, sorted by name. A package named only in
 * `devDependencies` is `dev`; named anywhere else (a peer or optional one too), it is not.
 */
export function workspaceDependencies(
  pkg: WorkspacePackage,
  packages: readonly WorkspacePackage[],
): WorkspaceDependency[] {
  const workspace = new Set(packages.map((p) => p.manifest.name));
  const found = new Map<string, boolean>();
  for (const field of ALL_DEPENDENCY_FIELDS) {
    for (const name of Object.keys(pkg.manifest[field] ?? {})) {
      if (!workspace.has(name)) continue;
      const dev = field === 'devDependencies';
      found.set(name, (found.get(name) ?? true) && dev);
    }
  }
  return [...found.entries()]
    .map(([name, dev]) => ({ name, dev }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A dependency as the layering table writes it: `` `@scope/name` ``, followed by ` (dev)` for a dev-only one. */
export function formatDependency(dependency: WorkspaceDependency): string {
  return `\`${dependency.name}\`${dependency.dev ? ' (dev)' : ''}`;
}

/** A row of the layering table, as {@link parseLayering} reads it back. */
export function formatLayerRow(
  name: string,
  kind: LayerKind | undefined,
  dependencies: readonly WorkspaceDependency[],
): string {
  const deps = dependencies.length === 0 ? '—' : dependencies.map(formatDependency).join(', ');
  return `| \`${name}\` | ${kind ?? `<${KINDS.join(' or ')}>`} | ${deps} |`;
}

/**
 * The layering declared in a markdown document: the table after the line {@link LAYERING_MARKER}, with the
 * columns package, kind and workspace dependencies (see {@link formatLayerRow}). Throws, naming the line, on
 * anything it cannot read, so a malformed table never passes as an empty one.
 */
export function parseLayering(markdown: string, document = LAYERING_DOCUMENT): DeclaredLayer[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === LAYERING_MARKER);
  if (start < 0) {
    throw new Error(`${document}: no line "${LAYERING_MARKER}" followed by the layering table`);
  }
  const rows: DeclaredLayer[] = [];
  let index = start + 1;
  while (index < lines.length && lines[index]?.trim() === '') index++;
  const header = index;
  for (; index < lines.length; index++) {
    const line = lines[index]?.trim() ?? '';
    if (!line.startsWith('|')) break;
    // The header and the |---| separator.
    if (index - header < 2) continue;
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    const where = `${document}:${index + 1}`;
    const name = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    const kind = KINDS.find((k) => k === cells[1]);
    if (cells.length !== 3 || !name || !kind) {
      throw new Error(
        `${where}: a layering row is "| \`<package>\` | <${KINDS.join(' or ')}> | <dependencies or —> |", got ${line}`,
      );
    }
    const depsCell = cells[2] ?? '';
    const dependencies = [...depsCell.matchAll(/`([^`]+)`(\s*\(dev\))?/g)].map((m) => ({
      name: m[1] ?? '',
      dev: m[2] !== undefined,
    }));
    if (dependencies.length === 0 && depsCell !== '—') {
      throw new Error(`${where}: no dependencies is written "—", got "${depsCell}"`);
    }
    rows.push({ name, kind, dependencies });
  }
  if (rows.length === 0) throw new Error(`${document}: the table after "${LAYERING_MARKER}" has no rows`);
  return rows;
}

/**
 * Where the workspace's actual dependency graph and the declared layering disagree, each as a sentence that
 * says what to change in {@link LAYERING_DOCUMENT} (or in a package.json). Empty when they agree exactly: a
 * package per row, and per row exactly the package's workspace dependencies, dev ones marked.
 */
export function layeringProblems(
  packages: readonly WorkspacePackage[],
  declared: readonly DeclaredLayer[],
): string[] {
  const problems: string[] = [];
  const fix = `update the table after "${LAYERING_MARKER}" in ${LAYERING_DOCUMENT} (and its diagram)`;
  const rows = new Map<string, DeclaredLayer>();
  for (const row of declared) {
    if (rows.has(row.name)) problems.push(`${LAYERING_DOCUMENT} has two rows for ${row.name}: keep one`);
    rows.set(row.name, row);
  }
  for (const pkg of packages) {
    const { name } = pkg.manifest;
    const actual = workspaceDependencies(pkg, packages);
    const row = rows.get(name);
    if (!row) {
      problems.push(
        `${name} (${pkg.dir}) is not in the layering: ${fix} with the row\n  ${formatLayerRow(name, undefined, actual)}`,
      );
      continue;
    }
    const declaredDeps = new Map(row.dependencies.map((d) => [d.name, d]));
    for (const dep of actual) {
      const said = declaredDeps.get(dep.name);
      if (!said) {
        problems.push(
          `${name} (${pkg.dir}) depends on ${dep.name}${dep.dev ? ' (devDependencies)' : ''}, which its layering ` +
            `row does not list: add ${formatDependency(dep)} to the row, or remove the dependency; ${fix}`,
        );
      } else if (said.dev !== dep.dev) {
        problems.push(
          `${name} (${pkg.dir}) has ${dep.name} ${dep.dev ? 'only in devDependencies' : 'outside devDependencies'}` +
            `, but its layering row says ${formatDependency(said)}: write ${formatDependency(dep)}; ${fix}`,
        );
      }
    }
    const actualNames = new Set(actual.map((d) => d.name));
    for (const dep of row.dependencies) {
      if (!actualNames.has(dep.name)) {
        problems.push(
          `${name}'s layering row lists ${dep.name}, but ${pkg.dir}/package.json does not depend on it: remove ` +
            `${formatDependency(dep)} from the row; ${fix}`,
        );
      }
    }
  }
  const names = new Set(packages.map((p) => p.manifest.name));
  for (const row of declared) {
    if (!names.has(row.name)) {
      problems.push(
        `${LAYERING_DOCUMENT} declares ${row.name}, which is no workspace package: remove its row (a renamed or ` +
          `split package gets rows under its new names)`,
      );
    }
  }
  return problems;
}

/**
 * Dependencies the kinds forbid, read from the packages' package.json files with the kinds the layering declares:
 * a component on another component (in any field, `devDependencies` included: a test that needs two components
 * is a system test and belongs in `e2e/`), and a library on anything but a library.
 */
export function kindProblems(
  packages: readonly WorkspacePackage[],
  declared: readonly DeclaredLayer[],
): string[] {
  const kinds = new Map(declared.map((row) => [row.name, row.kind]));
  const problems: string[] = [];
  for (const pkg of packages) {
    const { name } = pkg.manifest;
    const own = kinds.get(name);
    for (const dep of workspaceDependencies(pkg, packages)) {
      const kind = kinds.get(dep.name);
      if (own === 'component' && kind === 'component') {
        problems.push(
          `${name} (${pkg.dir}) depends on the component ${dep.name}${dep.dev ? ' in devDependencies' : ''}, ` +
            'but a component never depends on another component: move the tests that need both to e2e/ ' +
            '(@nimbus-ts/e2e) and remove the dependency',
        );
      }
      if (own === 'library' && kind !== undefined && kind !== 'library') {
        problems.push(
          `${name} (${pkg.dir}) is a library but depends on the ${kind} ${dep.name}: a library builds on ` +
            'libraries only; move the code that needs it into a composition',
        );
      }
    }
  }
  return problems;
}
