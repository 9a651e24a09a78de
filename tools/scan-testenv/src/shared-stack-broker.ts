import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureScanBinaries } from './binaries.js';
import { startClair } from './clair.js';
import { ProcessOwner } from './owner.js';
import { startPostgres } from './postgres.js';

/**
 * The run's shared PostgreSQL and Clair as the broker describes them to test files: plain data, since it crosses
 * from the process that runs the global setup into the worker processes that run the files.
 */
export interface SharedClairDescription {
  /** The working directory of the shared services (`postgres/`, `clair/`). */
  readonly dir: string;
  readonly clair: {
    readonly url: string;
    readonly introspectionUrl: string;
    readonly pskKey: string;
    readonly issuer: string;
    readonly configPath: string;
    readonly logPath: string;
    readonly dir: string;
    readonly clairctl: string;
    readonly connStrings: { readonly indexer: string; readonly matcher: string; readonly notifier: string };
  };
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly logPath: string;
  };
}

/** Where test files ask the broker for the shared services: its origin and the bearer secret it requires. */
export interface ScanStackBrokerAddress {
  readonly url: string;
  readonly token: string;
}

/** A running broker, owned by the process that runs the global setup. */
export interface ScanStackBroker extends ScanStackBrokerAddress {
  /** How many times the shared services were started (0 or 1 per run; more only after a failed start). */
  readonly starts: number;
  /** Stops the shared services if they were started, and the broker. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startScanStackBroker}. */
export interface ScanStackBrokerOptions {
  /** Keep the shared services' directory after `close()` even when no file asked to. Default `NIMBUS_SCAN_KEEP=1`. */
  readonly keepDir?: boolean;
  /** Where progress lines go; default nowhere. */
  readonly progress?: (line: string) => void;
}

interface Started {
  readonly description: SharedClairDescription;
  stop(): Promise<void>;
}

/**
 * Starts the broker of a test run's shared scan stack: a small HTTP server on loopback that starts PostgreSQL and
 * Clair the first time a test file asks for them (`POST /acquire`) and answers every later request with the same
 * running pair, so a run starts them once, and a run whose files never ask starts nothing. `POST /keep` (a file
 * whose test failed) keeps their directory, logs included, after `close()`.
 *
 * The services belong to this process: their process groups are recorded with a reaper that kills them when this
 * process dies without reaching `close()`. Registries are not shared: each file starts its own (cheap), so request
 * counts and repositories are its own.
 */
export async function startScanStackBroker(options: ScanStackBrokerOptions = {}): Promise<ScanStackBroker> {
  const progress = options.progress ?? (() => {});
  const token = randomBytes(24).toString('hex');
  let starting: Promise<Started> | undefined;
  let starts = 0;
  let keep = options.keepDir ?? process.env.NIMBUS_SCAN_KEEP === '1';
  let closed = false;

  const acquire = () => {
    if (!starting) {
      starts++;
      const attempt = startSharedServices(progress);
      // A start that failed is forgotten, so the next file tries again (and reports its own error).
      attempt.catch(() => {
        if (starting === attempt) starting = undefined;
      });
      starting = attempt;
    }
    return starting;
  };

  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    req.resume();
    if (!authorized(req)) return answer(res, 401, { error: 'unauthorized' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    if (req.url === '/keep') {
      keep = true;
      return answer(res, 200, {});
    }
    if (req.url !== '/acquire') return answer(res, 404, { error: `no ${req.url}` });
    if (closed) return answer(res, 503, { error: 'the test run is ending' });
    acquire().then(
      (started) => answer(res, 200, started.description),
      (err: unknown) => answer(res, 500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // A first start runs migrations and may wait on a machine busy building; never time the request out.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    get starts() {
      return starts;
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const started = await starting?.catch(() => undefined);
      if (!started) return;
      await started.stop();
      if (keep) progress(`scan-env: shared scan stack logs kept in ${started.description.dir}`);
      else await rm(started.description.dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL and Clair in one directory under one process owner, as `startScanStack` starts them. */
async function startSharedServices(progress: (line: string) => void): Promise<Started> {
  const binaries = await ensureScanBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-scan-shared-'));
  await mkdir(join(dir, 'clair'), { recursive: true });
  const owner = new ProcessOwner(dir, join(dir, 'postgres'));
  const stopping: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const service of stopping.reverse()) await service.stop();
    await owner.release();
  };
  try {
    const postgres = await startPostgres({ dir, owner, progress });
    stopping.push(postgres);
    const clair = await startClair({
      postgres,
      binaries,
      owner,
      dir: join(dir, 'clair'),
      keepDir: true,
      progress,
    });
    stopping.push(clair);
    progress(`scan-env: shared scan stack (PostgreSQL + Clair) ready in ${dir}`);
    return {
      description: {
        dir,
        clair: {
          url: clair.url,
          introspectionUrl: clair.introspectionUrl,
          pskKey: clair.pskKey,
          issuer: clair.issuer,
          configPath: clair.configPath,
          logPath: clair.logPath,
          dir: clair.dir,
          clairctl: clair.clairctl,
          connStrings: clair.connStrings,
        },
        postgres: {
          host: postgres.host,
          port: postgres.port,
          user: postgres.user,
          logPath: postgres.logPath,
        },
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`the shared scan stack did not start: ${(err as Error).message}\nLogs kept in ${dir}`);
  }
}
