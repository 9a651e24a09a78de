import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this module sits in `tools/helm-chart/{src,dist}/`. */
const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The chart's directory, `deploy/helm/nimbus-ts`. */
export const CHART_DIR = join(REPOSITORY, 'deploy', 'helm', 'nimbus-ts');

/** Where the chart keeps its copies of the CRDs, which `templates/crds.yaml` renders. */
export const CHART_CRD_DIR = join(CHART_DIR, 'files', 'crds');

/**
 * The CRD sources of truth, in the packages that own the kinds. The chart cannot read files outside its own
 * directory (and a packaged chart has no repository around it), so it carries copies; these are what the copies
 * must equal.
 */
export const CRD_SOURCE_DIRS: readonly string[] = [
  join(REPOSITORY, 'packages', 'api', 'crds'),
  join(REPOSITORY, 'packages', 'scan-api', 'crds'),
  join(REPOSITORY, 'packages', 'adapter-k8tls', 'crds'),
];

/** One CRD file and the chart's copy of it. */
export interface CrdCopy {
  /** The source of truth, e.g. `packages/api/crds/intent.security.nimbus.com_nimbuspolicies.yaml`. */
  readonly source: string;
  /** The chart's copy, `deploy/helm/nimbus-ts/files/crds/<same name>`. */
  readonly copy: string;
}

/** Where {@link chartCrdDrift} and {@link syncChartCrds} look; the repository's directories by default. */
export interface CrdCopyLocations {
  /** The directories holding the CRD sources of truth; defaults to {@link CRD_SOURCE_DIRS}. */
  readonly sourceDirs?: readonly string[];
  /** The chart's CRD directory; defaults to {@link CHART_CRD_DIR}. */
  readonly chartCrdDir?: string;
}

/** Every CRD file of the source directories (their `kustomization.yaml` left out) with the path of its copy. */
export async function chartCrdCopies(locations: CrdCopyLocations = {}): Promise<CrdCopy[]> {
  const { sourceDirs = CRD_SOURCE_DIRS, chartCrdDir = CHART_CRD_DIR } = locations;
  const copies: CrdCopy[] = [];
  for (const dir of sourceDirs) {
    const names = (await readdir(dir))
      .filter((n) => extname(n) === '.yaml' && n !== 'kustomization.yaml')
      .sort();
    for (const name of names) copies.push({ source: join(dir, name), copy: join(chartCrdDir, name) });
  }
  return copies;
}

/** A path as messages show it: relative to the repository root. */
const shown = (path: string) => relative(REPOSITORY, path);

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/**
 * What differs between the CRD sources and the chart's copies: a copy missing or not byte-identical to its
 * source, or a file in the chart's CRD directory that no source has (a CRD removed or renamed). Empty when the
 * chart is in step.
 */
export async function chartCrdDrift(locations: CrdCopyLocations = {}): Promise<string[]> {
  const { sourceDirs = CRD_SOURCE_DIRS, chartCrdDir = CHART_CRD_DIR } = locations;
  const problems: string[] = [];
  const copies = await chartCrdCopies(locations);
  for (const { source, copy } of copies) {
    const [want, have] = await Promise.all([readFile(source), readOrUndefined(copy)]);
    if (!have) problems.push(`${shown(copy)} is missing (source: ${shown(source)})`);
    else if (!want.equals(have)) problems.push(`${shown(copy)} differs from ${shown(source)}`);
  }
  const expected = new Set(copies.map((c) => c.copy));
  const present = await readdir(chartCrdDir).catch(() => [] as string[]);
  for (const name of present.sort()) {
    const path = join(chartCrdDir, name);
    if (!expected.has(path))
      problems.push(`${shown(path)} has no source in ${sourceDirs.map(shown).join(' or ')}`);
  }
  return problems;
}

/**
 * Makes the chart's CRD copies equal to their sources: copies every source over its copy and deletes copies
 * without a source. Returns the problems it fixed, as {@link chartCrdDrift} names them.
 */
export async function syncChartCrds(locations: CrdCopyLocations = {}): Promise<string[]> {
  const { chartCrdDir = CHART_CRD_DIR } = locations;
  const drift = await chartCrdDrift(locations);
  if (drift.length === 0) return [];
  await mkdir(chartCrdDir, { recursive: true });
  const copies = await chartCrdCopies(locations);
  for (const { source, copy } of copies) await copyFile(source, copy);
  const expected = new Set(copies.map((c) => c.copy));
  for (const name of await readdir(chartCrdDir)) {
    const path = join(chartCrdDir, name);
    if (!expected.has(path)) await rm(path);
  }
  return drift;
}
