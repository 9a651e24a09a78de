import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPorts, PortInUseError } from '@nimbus-ts/k8s/testing';
import { ProcessOwner } from './owner.js';
import { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { postgresRunAs, type SystemUser } from './unprivileged-user.js';

const run = promisify(execFile);
const PORT_ATTEMPTS = 3;
/** The superuser initdb creates; trust auth on loopback means it needs no password. */
const SUPERUSER = 'postgres';

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Working directory; the server's files go to `<dir>/postgres/`. Default a new temporary directory, removed
   * by `stop()`. As root the directory is made traversable (mode 0711) for the server's account.
   */
  readonly dir?: string;
  /** The executables; default {@link findPostgresBinaries}. */
  readonly binaries?: PostgresBinaries;
  /** Share a process owner (and its reaper) with other services; default a private one. */
  readonly owner?: ProcessOwner;
  /** Keep the working directory after `stop()`. Default: `NIMBUS_SCAN_KEEP=1`. */
  readonly keepDir?: boolean;
  /** How long the server may take to accept connections. Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** Where progress lines go; default nowhere. */
  readonly progress?: (line: string) => void;
}

/** A running PostgreSQL server on a free loopback port. */
export interface Postgres {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** The superuser every connection string uses (trust auth, no password). */
  readonly user: string;
  /** The server's log file; print it when something fails. */
  readonly logPath: string;
  /** A libpq key/value connection string for `database`, the form Clair's config lints as valid. */
  connString(database: string): string;
  /**
   * Creates `name` with the `uuid-ossp` extension (Clair's matcher and notifier migrations need it) and
   * returns its connection string.
   */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql in `database` and returns psql's unaligned, tuples-only output. */
  psql(database: string, sql: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its directory unless kept. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a throw-away PostgreSQL server: `initdb` into a temporary directory, then `postgres` on a free
 * loopback port with trust authentication and durability off (fsync, full-page writes and synchronous
 * commit), which is safe for data that dies with the test run and makes Clair's migrations fast.
 *
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` account (or a created
 * `nimbus-scan` account), see {@link postgresRunAs}.
 *
 * @throws an error naming the fix when the executables are missing or the server does not start.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const progress = options.progress ?? (() => {});
  const binaries = options.binaries ?? findPostgresBinaries();
  const runAs = await postgresRunAs();
  const createdDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nimbus-postgres-')));
  const keepDir = options.keepDir ?? process.env.NIMBUS_SCAN_KEEP === '1';
  const pgDir = join(dir, 'postgres');
  const dataDir = join(pgDir, 'data');
  const socketDir = join(pgDir, 'socket');
  await prepareDirectories(dir, pgDir, [dataDir, socketDir], runAs);

  const ownOwner = options.owner === undefined;
  const owner = options.owner ?? new ProcessOwner(dir, pgDir);
  const cleanup = async () => {
    if (ownOwner) await owner.release();
    if (createdDir && !keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    progress(`scan-env: initdb ${dataDir}${runAs ? ` (as ${runAs.name})` : ''}`);
    await initdb(binaries, dataDir, pgDir, runAs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await serve(binaries, { dataDir, socketDir, pgDir, runAs, owner, options, cleanup, progress });
      } catch (err) {
        if (!(err instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw err;
        progress(`scan-env: a port was taken while starting PostgreSQL (attempt ${attempt}); retrying`);
      }
    }
  } catch (err) {
    // Keep the directory: the error names the log in it.
    if (ownOwner) await owner.release();
    throw err;
  }
}

async function prepareDirectories(
  dir: string,
  pgDir: string,
  ownedDirs: readonly string[],
  runAs: SystemUser | undefined,
): Promise<void> {
  await mkdir(pgDir, { recursive: true });
  for (const d of ownedDirs) await mkdir(d, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  // The server's account must reach its directories: let it traverse (not list) the working directory,
  // which mkdtemp created 0700 for root, and own everything below pgDir.
  await chmod(dir, 0o711);
  for (const d of [pgDir, ...ownedDirs]) await chown(d, runAs.uid, runAs.gid);
  await chmod(pgDir, 0o700);
}

async function initdb(
  binaries: PostgresBinaries,
  dataDir: string,
  cwd: string,
  runAs: SystemUser | undefined,
): Promise<void> {
  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        // The data dies with the test run; skipping fsync saves seconds on slow disks.
        '--no-sync',
      ],
      {
        cwd,
        env: { ...process.env, LC_ALL: 'C' },
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      },
    );
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `initdb failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n` +
        `Fix: check that ${runAs ? `user ${runAs.name}` : 'the current user'} can write ${dataDir}.`,
    );
  }
}

interface ServeContext {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly pgDir: string;
  readonly runAs: SystemUser | undefined;
  readonly owner: ProcessOwner;
  readonly options: PostgresOptions;
  readonly cleanup: () => Promise<void>;
  readonly progress: (line: string) => void;
}

async function serve(binaries: PostgresBinaries, ctx: ServeContext): Promise<Postgres> {
  const [port = 0] = await freeLoopbackPorts(1);
  const host = '127.0.0.1';
  const logPath = join(ctx.pgDir, `postgres-${port}.log`);
  const server = ctx.owner.component(
    'postgres',
    binaries.postgres,
    [
      '-D',
      ctx.dataDir,
      '-h',
      host,
      '-p',
      String(port),
      '-k',
      ctx.socketDir,
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'synchronous_commit=off',
    ],
    logPath,
    {
      cwd: ctx.pgDir,
      env: { ...process.env, LC_ALL: 'C' },
      ...(ctx.runAs ? { uid: ctx.runAs.uid, gid: ctx.runAs.gid } : {}),
      // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to disconnect; SIGINT
      // ("fast") ends their sessions, so a stop never hangs on a client that is still connected.
      stopSignal: 'SIGINT',
      deathHint: 'read the PostgreSQL log above.',
    },
  );
  const psql = async (database: string, sql: string): Promise<string> => {
    const { stdout } = await run(
      binaries.psql,
      [
        '-h',
        host,
        '-p',
        String(port),
        '-U',
        SUPERUSER,
        '-d',
        database,
        '-X',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '3' } },
    );
    return stdout.trim();
  };

  ctx.progress(`scan-env: starting PostgreSQL on ${host}:${port}`);
  server.start();
  await server.waitReady('to accept connections', ctx.options.readyTimeoutMs ?? 60_000, async () => {
    await psql('postgres', 'SELECT 1');
    return true;
  });

  const connString = (database: string) =>
    `host=${host} port=${port} user=${SUPERUSER} dbname=${database} sslmode=disable`;
  let stopped = false;
  return {
    host,
    port,
    user: SUPERUSER,
    logPath,
    connString,
    psql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
        throw new Error(`database name "${name}" must match [a-z_][a-z0-9_]* (it is interpolated into SQL)`);
      }
      await psql('postgres', `CREATE DATABASE ${name}`);
      try {
        await psql(name, 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
      } catch (err) {
        throw new Error(
          `PostgreSQL lacks the uuid-ossp extension, which Clair's matcher migration creates: ` +
            `${(err as Error & { stderr?: string }).stderr ?? (err as Error).message}\n` +
            "Fix: install the server's contrib modules (Debian ships them in postgresql-<major>; elsewhere " +
            'install postgresql-contrib).',
        );
      }
      return connString(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await ctx.cleanup();
    },
  };
}
