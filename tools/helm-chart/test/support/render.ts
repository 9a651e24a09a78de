import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, type HelmOptions, runHelm } from '../../src/index.js';

/** A rendered Kubernetes object, loosely typed: tests read into it by path. */
export interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary YAML the tests navigate.
  [key: string]: any;
}

/** Writes values to a fresh file (JSON is YAML), for `helm … -f`. */
export async function valuesFile(values: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chart-values-'));
  const path = join(dir, 'values.yaml');
  await writeFile(path, JSON.stringify(values));
  return path;
}

/**
 * The objects of a multi-document manifest, in order, read as Kubernetes reads them: YAML 1.1, where `0440` is
 * octal (a file mode), not the decimal a YAML 1.2 parser makes of it.
 */
export function parseManifest(text: string): Rendered[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`unparsable manifest: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((d): d is Rendered => typeof d === 'object' && d !== null);
}

/**
 * `helm template` of the chart with `values` (release `nimbus-ts` in `namespace`), parsed.
 *
 * @throws the HelmCommandError of a failed render (a schema violation, a `fail` in a template).
 */
export async function renderChart(
  helm: HelmOptions,
  values: object = {},
  namespace = 'nimbus-system',
): Promise<Rendered[]> {
  const out = await runHelm(helm, [
    'template',
    'nimbus-ts',
    CHART_DIR,
    '-n',
    namespace,
    '-f',
    await valuesFile(values),
  ]);
  return parseManifest(out);
}

/** The one object of `kind` named `name`; fails naming what was rendered when there is none. */
export function find(objects: readonly Rendered[], kind: string, name: string): Rendered {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) {
    throw new Error(
      `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return found;
}

/** `kind/name` of every object, for membership assertions. */
export function keys(objects: readonly Rendered[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}
