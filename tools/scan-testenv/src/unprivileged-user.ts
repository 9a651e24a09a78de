import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A system account to run a process as. */
export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The account the harness creates when no `postgres` account exists. */
export const FALLBACK_USER = 'nimbus-scan';

async function lookup(name: string): Promise<SystemUser | undefined> {
  try {
    // getent reads every NSS source (files, LDAP, …), unlike parsing /etc/passwd.
    const { stdout } = await run('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
    return { name, uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * The user PostgreSQL should run as, or `undefined` to run it as the current user.
 *
 * PostgreSQL refuses to start as root ("root" execution of the PostgreSQL server is not permitted), and
 * containers and CI machines often run tests as root. As root, this returns Debian's `postgres` account
 * when it exists, otherwise a system account `nimbus-scan` it creates with useradd (once per machine).
 *
 * @throws an error naming the fix when running as root and no account can be found or created.
 */
export async function postgresRunAs(
  preferred: readonly string[] = ['postgres'],
): Promise<SystemUser | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of preferred) {
    const user = await lookup(name);
    if (user && user.uid !== 0) return user;
  }
  const existing = await lookup(FALLBACK_USER);
  if (existing) return existing;
  try {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      FALLBACK_USER,
    ]);
  } catch (err) {
    // A concurrent test run may have created it between the lookup and useradd.
    const raced = await lookup(FALLBACK_USER);
    if (raced) return raced;
    throw new Error(
      `PostgreSQL cannot run as root and there is no "postgres" account; creating "${FALLBACK_USER}" with ` +
        `useradd failed: ${(err as Error).message}\nFix: create an unprivileged account ` +
        `(useradd --system ${FALLBACK_USER}) or run the tests as a non-root user.`,
    );
  }
  const created = await lookup(FALLBACK_USER);
  if (!created) throw new Error(`useradd reported success but getent cannot find "${FALLBACK_USER}"`);
  return created;
}
