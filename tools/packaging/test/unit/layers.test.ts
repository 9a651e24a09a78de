import { describe, expect, it } from 'vitest';
import {
  type DeclaredLayer,
  formatLayerRow,
  isPendingProblem,
  kindProblems,
  layeringProblems,
  parseLayering,
  workspaceDependencies,
} from '../../src/layers.js';
import type { PackageManifest, WorkspacePackage } from '../../src/workspace.js';

const pkg = (dir: string, manifest: Partial<PackageManifest> & { name: string }): WorkspacePackage => ({
  dir,
  manifest: { version: '0.1.0', ...manifest },
});

const lib = pkg('packages/lib', { name: '@x/lib' });
const sdk = pkg('packages/sdk', { name: '@x/sdk', dependencies: { '@x/lib': 'workspace:^', winston: '3' } });
const operator = pkg('packages/operator', { name: '@x/operator', dependencies: { '@x/sdk': 'workspace:^' } });
const adapter = pkg('packages/adapter', {
  name: '@x/adapter',
  dependencies: { '@x/sdk': 'workspace:^' },
  devDependencies: { '@x/testenv': 'workspace:^', vitest: '5' },
});
const testenv = pkg('tools/testenv', { name: '@x/testenv', private: true, dependencies: { '@x/sdk': '*' } });
const workspace = [lib, sdk, operator, adapter, testenv];

const layering: DeclaredLayer[] = [
  { name: '@x/lib', kind: 'library', dependencies: [] },
  { name: '@x/sdk', kind: 'library', dependencies: [{ name: '@x/lib', dev: false }] },
  { name: '@x/operator', kind: 'component', dependencies: [{ name: '@x/sdk', dev: false }] },
  {
    name: '@x/adapter',
    kind: 'component',
    dependencies: [
      { name: '@x/sdk', dev: false },
      { name: '@x/testenv', dev: true },
    ],
  },
  { name: '@x/testenv', kind: 'tooling', dependencies: [{ name: '@x/sdk', dev: false }] },
];

const table = (rows: string[]) =>
  [
    '# Doc',
    '',
    '<!-- layering -->',
    '| package | kind | deps |',
    '| --- | --- | --- |',
    ...rows,
    '',
    'Prose.',
  ].join('\n');

describe('workspaceDependencies', () => {
  it('names workspace packages in every field, dev only when nothing else names them, sorted', () => {
    const both = pkg('packages/both', {
      name: '@x/both',
      peerDependencies: { '@x/sdk': '*' },
      devDependencies: { '@x/sdk': 'workspace:^', '@x/testenv': 'workspace:^', '@x/lib': 'workspace:^' },
      optionalDependencies: { '@x/lib': 'workspace:^' },
    });
    expect(workspaceDependencies(both, [...workspace, both])).toEqual([
      { name: '@x/lib', dev: false },
      { name: '@x/sdk', dev: false },
      { name: '@x/testenv', dev: true },
    ]);
  });

  it('leaves registry packages out', () => {
    expect(workspaceDependencies(sdk, workspace)).toEqual([{ name: '@x/lib', dev: false }]);
    expect(workspaceDependencies(lib, workspace)).toEqual([]);
  });
});

describe('parseLayering', () => {
  it('reads the rows formatLayerRow writes, back to what was formatted', () => {
    const rows = layering.map((row) => formatLayerRow(row.name, row.kind, row.dependencies));
    expect(parseLayering(table(rows))).toEqual(layering);
  });

  it.each([
    ['no marker', '| package | kind | deps |\n| - | - | - |\n| `@x/lib` | library | — |', /no line/],
    ['no rows', table([]), /has no rows/],
    ['an unknown kind', table(['| `@x/lib` | service | — |']), /docs\/ARCHITECTURE.md:6: a layering row is/],
    ['a name without backticks', table(['| @x/lib | library | — |']), /a layering row is/],
    ['a missing column', table(['| `@x/lib` | library |']), /a layering row is/],
    ['an empty dependencies cell', table(['| `@x/lib` | library | |']), /no dependencies is written "—"/],
  ])('refuses %s, naming the line', (_, markdown, message) => {
    expect(() => parseLayering(markdown)).toThrow(message);
  });
});

describe('layeringProblems', () => {
  it('accepts a layering that is exactly the graph', () => {
    expect(layeringProblems(workspace, layering)).toEqual([]);
  });

  const without = (name: string) => layering.filter((row) => row.name !== name);
  const replaced = (row: DeclaredLayer) => [...without(row.name), row];

  it.each<[string, DeclaredLayer[], RegExp]>([
    [
      'a package without a row, with the row to add',
      without('@x/operator'),
      /@x\/operator \(packages\/operator\) is not in the layering: .*docs\/ARCHITECTURE.md.*\n {2}\| `@x\/operator` \| <library or component or composition or tooling> \| `@x\/sdk` \|/,
    ],
    [
      'a dependency the row does not list',
      replaced({ name: '@x/adapter', kind: 'component', dependencies: [{ name: '@x/sdk', dev: false }] }),
      /@x\/adapter \(packages\/adapter\) depends on @x\/testenv \(devDependencies\), which its layering row does not list: add `@x\/testenv` \(dev\) to the row, or remove the dependency/,
    ],
    [
      'a listed dependency the package does not have',
      replaced({
        name: '@x/operator',
        kind: 'component',
        dependencies: [
          { name: '@x/sdk', dev: false },
          { name: '@x/lib', dev: false },
        ],
      }),
      /@x\/operator's layering row lists @x\/lib, but packages\/operator\/package.json does not depend on it: remove `@x\/lib` from the row/,
    ],
    [
      'a dev dependency listed as a runtime one',
      replaced({
        name: '@x/adapter',
        kind: 'component',
        dependencies: [
          { name: '@x/sdk', dev: false },
          { name: '@x/testenv', dev: false },
        ],
      }),
      /has @x\/testenv only in devDependencies, but its layering row says `@x\/testenv`: write `@x\/testenv` \(dev\)/,
    ],
    [
      'a row for a package that does not exist',
      [...layering, { name: '@x/gone', kind: 'library', dependencies: [] }],
      /declares @x\/gone, which is no workspace package: remove its row/,
    ],
    [
      'two rows for one package',
      [...layering, { name: '@x/lib', kind: 'library', dependencies: [] }],
      /has two rows for @x\/lib/,
    ],
  ])('reports %s, saying what to update', (_, declared, message) => {
    const problems = layeringProblems(workspace, declared);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe('kindProblems', () => {
  it('accepts components on libraries and tooling, libraries on libraries, tooling on anything', () => {
    expect(kindProblems(workspace, layering)).toEqual([]);
  });

  it.each(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])(
    'flags a component that names another component in %s',
    (field) => {
      const coupled = pkg('packages/adapter', {
        name: '@x/adapter',
        dependencies: { '@x/sdk': 'workspace:^' },
        [field]: { '@x/operator': 'workspace:^' },
      });
      const problems = kindProblems([lib, sdk, operator, coupled, testenv], layering);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^@x\/adapter \(packages\/adapter\) depends on the component @x\/operator/);
      expect(problems[0]).toContain('move the tests that need both to e2e/');
    },
  );

  it('flags a library on a component, from the package.json whatever the table lists', () => {
    const upward = pkg('packages/sdk', {
      name: '@x/sdk',
      dependencies: { '@x/lib': 'workspace:^' },
      devDependencies: { '@x/operator': 'workspace:^' },
    });
    expect(kindProblems([lib, upward, operator, adapter, testenv], layering)).toEqual([
      expect.stringMatching(
        /^@x\/sdk \(packages\/sdk\) is a library but depends on the component @x\/operator/,
      ),
    ]);
  });
});

describe('isPendingProblem', () => {
  it('recognises exactly the pending component dependencies', () => {
    const pending = new Map([['@x/adapter', '@x/operator']]);
    const problem = (from: string, to: string) =>
      `${from} (packages/x) depends on the component ${to} in devDependencies, but …`;
    expect(isPendingProblem(problem('@x/adapter', '@x/operator'), pending)).toBe(true);
    expect(isPendingProblem(problem('@x/adapter', '@x/other'), pending)).toBe(false);
    expect(isPendingProblem(problem('@x/other', '@x/operator'), pending)).toBe(false);
    expect(isPendingProblem(problem('@x/adapter', '@x/operator'))).toBe(false);
  });
});
