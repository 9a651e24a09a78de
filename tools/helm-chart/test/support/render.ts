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
 * Each document's parse, by its text. A render repeats most of its documents from the last one (the nine CRDs are
 * more than half of every render, and a value changes one component's objects), and reading YAML costs as much as
 * running Helm: a document is parsed once per test file, and each caller gets its own copy.
 */
const parsedDocuments = new Map<string, unknown>();

/** Splits a multi-document stream at its `---` lines (at column 0 they end any block scalar, so no content holds one). */
function documentTexts(text: string): string[] {
  return text.split(/^---[ \t]*(?:\r?\n|$)/m);
}

/**
 * The objects of a multi-document manifest, in order, read as Kubernetes reads them: YAML 1.1, where `0440` is
 * octal (a file mode), not the decimal a YAML 1.2 parser makes of it.
 */
export function parseManifest(text: string): Rendered[] {
  return documentTexts(text)
    .flatMap((doc) => {
      let parsed = parsedDocuments.get(doc);
      if (parsed === undefined) {
        parsed = parseAllDocuments(doc, { version: '1.1' }).map((d) => {
          if (d.errors.length > 0) throw new Error(`unparsable manifest: ${d.errors[0]?.message}`);
          return d.toJS() as unknown;
        });
        parsedDocuments.set(doc, parsed);
      }
      return structuredClone(parsed as unknown[]);
    })
    .filter((d): d is Rendered => typeof d === 'object' && d !== null);
}

/** Helm's output (or its failure) by binary, namespace and values: the chart does not change within a test file. */
const renders = new Map<string, Promise<string>>();

/**
 * `helm template` of the chart with `values` (release `nimbus-ts` in `namespace`), parsed. Helm runs once per
 * distinct values set in a test file (tests ask for the defaults many times); each caller gets its own objects.
 *
 * @throws the HelmCommandError of a failed render (a schema violation, a `fail` in a template).
 */
export async function renderChart(
  helm: HelmOptions,
  values: object = {},
  namespace = 'nimbus-system',
): Promise<Rendered[]> {
  const key = JSON.stringify([helm.binary, namespace, values]);
  let output = renders.get(key);
  if (!output) {
    output = valuesFile(values).then((file) =>
      runHelm(helm, ['template', 'nimbus-ts', CHART_DIR, '-n', namespace, '-f', file]),
    );
    renders.set(key, output);
  }
  return parseManifest(await output);
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
