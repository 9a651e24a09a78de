import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute paths of the PostgreSQL executables the harness runs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  readonly psql: string;
}

/** Environment variable naming a directory holding initdb, postgres and psql (e.g. `/usr/lib/postgresql/16/bin`). */
export const PG_BIN_DIR_ENV = 'NIMBUS_PG_BIN_DIR';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian's and Ubuntu's versioned server directories, newest first: `/usr/lib/postgresql/<major>/bin`. */
function debianServerDirs(root: string): string[] {
  try {
    return readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join(root, v, 'bin'));
  } catch {
    return [];
  }
}

/**
 * Finds initdb, postgres and psql: in `$NIMBUS_PG_BIN_DIR` if set, else in the newest
 * `/usr/lib/postgresql/<major>/bin` (Debian keeps the server there, off PATH), else on PATH.
 *
 * @param debianRoot - where Debian installs versioned servers; a parameter for tests.
 * @throws an error naming the fix (`apt-get install -y postgresql`, or the environment variable).
 */
export function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
  debianRoot = '/usr/lib/postgresql',
): PostgresBinaries {
  const pinned = env[PG_BIN_DIR_ENV];
  const dirs = pinned
    ? [pinned]
    : [...debianServerDirs(debianRoot), ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  const server = dirs.find((d) => executable(join(d, 'initdb')) && executable(join(d, 'postgres')));
  if (!server) {
    const where = pinned ? `${PG_BIN_DIR_ENV}=${pinned}` : `${debianRoot}/*/bin or on PATH`;
    throw new Error(
      `PostgreSQL server executables (initdb, postgres) were not found in ${where}; Clair stores everything ` +
        'in PostgreSQL, so the scan test environment needs a local server. Fix: on Debian/Ubuntu run ' +
        `'apt-get install -y postgresql' (./scripts/test does this), or set ${PG_BIN_DIR_ENV} to a directory ` +
        'holding initdb, postgres and psql.',
    );
  }
  // The client usually sits next to the server; Debian's /usr/bin/psql wrapper also works.
  const psql = [server, ...dirs].map((d) => join(d, 'psql')).find(executable);
  if (!psql) {
    throw new Error(
      `psql was not found next to ${join(server, 'postgres')} or on PATH. ` +
        "Fix: 'apt-get install -y postgresql-client', or set NIMBUS_PG_BIN_DIR to a directory holding psql too.",
    );
  }
  return { initdb: join(server, 'initdb'), postgres: join(server, 'postgres'), psql };
}
