import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type JsonblobRecord, parseNdjson, toNdjson, uuidFrom } from './vulnerabilities.js';

const run = promisify(execFile);

/** What an import needs from a running Clair: clairctl and the config naming the matcher database. */
export interface ImportTarget {
  readonly clairctl: string;
  readonly configPath: string;
  /** Working directory; the NDJSON files are written to `<dir>/imports/`. */
  readonly dir: string;
  /**
   * Import every operation as a new one, whatever was imported before: set on a Clair shared by the test files
   * of a run (see `sharedScanStack`). clairctl skips an operation whose fingerprint is stored already, so after
   * one file imported OP1 then OP2, a later file's OP1 would be skipped and the matcher would go on reading OP2;
   * with fresh operations what a file imported last is what its reports show, in whatever order files run.
   */
  readonly freshOperations?: boolean;
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
  const imported = clair.freshOperations ? await withFreshOperations(clair, file) : file;
  try {
    await run(clair.clairctl, ['-c', clair.configPath, 'import-updaters', imported], { timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `clairctl import-updaters ${imported} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n` +
        'Fix: a JSON error names the bad field (severities must be Clair names such as "High"); a connection ' +
        `error means the matcher database in ${clair.configPath} is unreachable.`,
    );
  }
}

/**
 * Copies an NDJSON import with a new fingerprint and Ref for each operation (the same records otherwise), so
 * clairctl stores it as the latest operation of its updater even when the original was imported before.
 */
async function withFreshOperations(clair: ImportTarget, file: string): Promise<string> {
  if (!file.endsWith('.ndjson') && !file.endsWith('.json')) {
    throw new Error(
      `${file}: a Clair shared by several test files imports uncompressed NDJSON only (it rewrites each ` +
        "operation's fingerprint). Fix: decompress the file, or start a Clair of your own with startScanStack().",
    );
  }
  const salt = `${process.pid}-${++imports}-${randomBytes(4).toString('hex')}`;
  const refs = new Map<string, string>();
  const records = parseNdjson(await readFile(file, 'utf8')).map((record): JsonblobRecord => {
    const Fingerprint = `${record.Fingerprint}+${salt}`;
    let Ref = refs.get(record.Ref);
    if (Ref === undefined) {
      Ref = uuidFrom(`${record.Ref}+${salt}`);
      refs.set(record.Ref, Ref);
    }
    return { ...record, Fingerprint, Ref };
  });
  const dir = join(clair.dir, 'imports');
  await mkdir(dir, { recursive: true });
  const fresh = join(dir, `${String(imports).padStart(3, '0')}-${process.pid}-fresh.ndjson`);
  await writeFile(fresh, toNdjson(records));
  return fresh;
}
