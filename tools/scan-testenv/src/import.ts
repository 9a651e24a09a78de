import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type JsonblobRecord, toNdjson } from './vulnerabilities.js';

const run = promisify(execFile);

/** What an import needs from a running Clair: clairctl and the config naming the matcher database. */
export interface ImportTarget {
  readonly clairctl: string;
  readonly configPath: string;
  /** Working directory; the NDJSON files are written to `<dir>/imports/`. */
  readonly dir: string;
}

let imports = 0;

/**
 * Imports vulnerability records into Clair's matcher database with `clairctl import-updaters`, exactly as an
 * air-gapped deployment loads an exported bundle. Each distinct `Ref` in `records` becomes one update
 * operation; an operation whose fingerprint is already stored for its updater is skipped by clairctl, so
 * importing the same fixture twice changes nothing.
 *
 * The import writes to the database directly; the matcher sees it on the next vulnerability report (reports
 * are matched on every request, nothing is cached server-side).
 *
 * @param target - a running Clair, or a scan stack (its Clair is used).
 * @throws an error with clairctl's output when the import fails.
 */
export async function importVulnerabilities(
  target: ImportTarget | { readonly clair: ImportTarget },
  records: readonly JsonblobRecord[],
): Promise<void> {
  const clair = 'clair' in target ? target.clair : target;
  const dir = join(clair.dir, 'imports');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${String(++imports).padStart(3, '0')}-${process.pid}.ndjson`);
  await writeFile(file, toNdjson(records));
  await importVulnerabilityFile(clair, file);
}

/** Like {@link importVulnerabilities}, for an NDJSON file (`.gz` and `.zst` are decompressed by clairctl). */
export async function importVulnerabilityFile(
  target: ImportTarget | { readonly clair: ImportTarget },
  file: string,
): Promise<void> {
  const clair = 'clair' in target ? target.clair : target;
  try {
    await run(clair.clairctl, ['-c', clair.configPath, 'import-updaters', file], { timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `clairctl import-updaters ${file} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n` +
        'Fix: a JSON error names the bad field (severities must be Clair names such as "High"); a connection ' +
        `error means the matcher database in ${clair.configPath} is unreachable.`,
    );
  }
}
