import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, chartCrdDrift, syncChartCrds } from '../../src/index.js';

// The chart's files that need no Helm to check: its CRD copies, its schema's strictness and its README's
// values table.

describe("the chart's CRDs", () => {
  it('are byte-identical copies of packages/api/crds, packages/scan-api/crds and packages/adapter-k8tls/crds', async () => {
    // On failure: `pnpm --filter @nimbus-ts/helm-chart sync-crds`, then commit deploy/helm/nimbus-ts/files/crds.
    expect(await chartCrdDrift()).toEqual([]);
  });

  it('drift names a changed, a missing and a stale copy, and sync fixes all three', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chart-crds-'));
    const sources = join(root, 'sources');
    const chartCrdDir = join(root, 'chart');
    await mkdir(sources);
    await mkdir(chartCrdDir);
    await writeFile(join(sources, 'a.yaml'), 'kind: A\n');
    await writeFile(join(sources, 'b.yaml'), 'kind: B\n');
    await writeFile(join(sources, 'kustomization.yaml'), 'resources: []\n');
    await writeFile(join(chartCrdDir, 'a.yaml'), 'kind: A # edited by hand\n');
    await writeFile(join(chartCrdDir, 'old.yaml'), 'kind: Old\n');
    const locations = { sourceDirs: [sources], chartCrdDir };

    const drift = await chartCrdDrift(locations);
    expect(drift).toHaveLength(3);
    expect(drift[0]).toMatch(/chart\/a\.yaml differs from .*sources\/a\.yaml$/);
    expect(drift[1]).toMatch(/chart\/b\.yaml is missing \(source: .*sources\/b\.yaml\)$/);
    expect(drift[2]).toMatch(/chart\/old\.yaml has no source in .*sources$/);

    expect(await syncChartCrds(locations)).toEqual(drift);
    expect(await chartCrdDrift(locations)).toEqual([]);
    expect(await readFile(join(chartCrdDir, 'a.yaml'), 'utf8')).toBe('kind: A\n');
    expect(await syncChartCrds(locations)).toEqual([]);
  });
});

type Schema = { [key: string]: unknown };

/** Every subschema of `schema` with its JSON pointer. */
function* subschemas(schema: unknown, pointer = ''): Generator<[string, Schema]> {
  if (typeof schema !== 'object' || schema === null) return;
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) yield* subschemas(s, `${pointer}/${i}`);
    return;
  }
  const s = schema as Schema;
  yield [pointer, s];
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' || key === 'definitions') {
      for (const [name, sub] of Object.entries(value as Schema))
        yield* subschemas(sub, `${pointer}/${key}/${name}`);
    } else if (['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf'].includes(key)) {
      yield* subschemas(value, `${pointer}/${key}`);
    }
  }
}

describe('values.schema.json', () => {
  it('rejects unknown keys at every level: every object with properties has additionalProperties false', async () => {
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Schema;
    const open: string[] = [];
    const freeForm: string[] = [];
    for (const [pointer, s] of subschemas(schema)) {
      if (s.properties !== undefined && s.additionalProperties !== false) open.push(pointer);
      // An object without properties is a map (additionalProperties says of what) or a Kubernetes object the chart
      // passes through as it is; the latter are listed here so that adding one is a decision.
      if (s.type === 'object' && s.properties === undefined && s.additionalProperties === undefined) {
        freeForm.push(pointer);
      }
    }
    expect(open).toEqual([]);
    expect(freeForm).toEqual([
      '/properties/global',
      '/properties/admission/properties/networkPolicy/properties/apiServer/items/properties/namespaceSelector',
      '/properties/admission/properties/networkPolicy/properties/apiServer/items/properties/podSelector',
      '/definitions/affinity/properties/nodeAffinity',
      '/definitions/affinity/properties/podAffinity',
      '/definitions/affinity/properties/podAntiAffinity',
      '/definitions/topologySpreadConstraints/items/properties/labelSelector',
      '/definitions/extraEnv/items/properties/valueFrom',
    ]);
  });
});

/** The seven components; the README documents their common keys once, as `<component>.…`. */
const COMPONENTS = [
  'coreOperator',
  'kubearmorAdapter',
  'kyvernoAdapter',
  'netpolAdapter',
  'clairScanner',
  'admission',
  'k8tlsAdapter',
];
/** Keys whose value is documented as a whole (maps and Kubernetes objects), not key by key. */
const DOCUMENTED_WHOLE = new Set([
  'resources',
  'nodeSelector',
  'affinity',
  'podAnnotations',
  'podLabels',
  'annotations',
]);

/** The documented paths of values.yaml: objects are descended into, except those documented whole. */
function valuePaths(values: unknown, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(values as Schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const descend =
      typeof value === 'object' && value !== null && !Array.isArray(value) && !DOCUMENTED_WHOLE.has(key);
    if (descend) paths.push(...valuePaths(value, path));
    else paths.push(path);
  }
  return paths;
}

describe("the chart's README", () => {
  it('documents every value in values.yaml, and no value that does not exist', async () => {
    const values = parse(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    const readme = await readFile(join(CHART_DIR, 'README.md'), 'utf8');
    const paths = valuePaths(values);
    // A key every component has is documented once, as `<component>.key`; one of a single component by its name.
    const shared = (rest: string) => COMPONENTS.every((c) => paths.includes(`${c}.${rest}`));
    const generic = (path: string) => {
      const [first, ...rest] = path.split('.');
      const common = first !== undefined && COMPONENTS.includes(first) && shared(rest.join('.'));
      return common ? ['<component>', ...rest].join('.') : path;
    };
    const documentable = new Set(paths.map(generic));
    // The first column of the values tables: | `key` | default | meaning |
    const documented = new Set(
      [...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string).filter((k) => !k.includes(' ')),
    );
    expect([...documentable].filter((p) => !documented.has(p))).toEqual([]);
    expect([...documented].filter((p) => !documentable.has(p))).toEqual([]);
  });
});
