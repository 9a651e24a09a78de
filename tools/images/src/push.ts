import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Progress } from './debian.js';

const run = promisify(execFile);

/**
 * The crane executable: `explicit` when given, else `crane` from PATH, else the one the Clair test harness
 * builds from the Go module proxy (once per machine, cached under ~/.cache/nimbus-ts).
 */
export async function findCrane(explicit: string | undefined, progress: Progress): Promise<string> {
  if (explicit) return explicit;
  try {
    await run('crane', ['version']);
    return 'crane';
  } catch {
    // Not on PATH: use (or build) the harness's.
  }
  progress(
    'images: crane is not on PATH; using the one the test harness builds (the first time takes minutes)',
  );
  const { ensureScanBinaries } = await import('@nimbus-ts/scan-testenv');
  return (await ensureScanBinaries()).crane;
}

/** The reference an image is pushed as: `<registry>/<image>:<tag>`. */
export function imageReference(registry: string, image: string, tag: string): string {
  return `${registry.replace(/\/+$/, '')}/${image}:${tag}`;
}

/**
 * Pushes an OCI image layout with `crane push` (credentials from the Docker config, as `docker login` and
 * `crane auth login` write it) and returns the pushed digest reference.
 *
 * @throws Error with crane's output when the push fails, or when the registry reports another digest than the
 *   layout's (the registry would then serve a different image than the one built).
 */
export async function pushLayout(
  crane: string,
  layoutDir: string,
  reference: string,
  expectedDigest: string,
  options: { readonly insecure?: boolean } = {},
): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      crane,
      ['push', ...(options.insecure ? ['--insecure'] : []), layoutDir, reference],
      { maxBuffer: 16 << 20 },
    ));
  } catch (err) {
    const { stderr = '' } = err as { stderr?: string };
    throw new Error(
      `crane push ${layoutDir} ${reference} failed: ${stderr.trim() || (err as Error).message}. Fix: log in to the ` +
        'registry (crane auth login or docker login); for a plain-HTTP registry add --insecure.',
    );
  }
  const pushed = stdout.trim().split('\n').at(-1) ?? '';
  if (!pushed.endsWith(`@${expectedDigest}`)) {
    throw new Error(
      `crane pushed ${reference} as "${pushed}", but the layout's manifest is ${expectedDigest}`,
    );
  }
  return pushed;
}
