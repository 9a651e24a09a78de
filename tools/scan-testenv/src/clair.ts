import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePskKey, type MintTokenOptions, mintClairToken } from '@nimbus-ts/clair-client';
import { freeLoopbackPorts, PortInUseError } from '@nimbus-ts/k8s/testing';
import { ensureScanBinaries } from './binaries.js';
import { clairConfig, EMPTY_MAPPING_FILE } from './clair-config.js';
import { ProcessOwner } from './owner.js';
import type { Postgres } from './postgres.js';

const PORT_ATTEMPTS = 3;

/** The JWT issuer test clients use unless told otherwise. */
export const TEST_ISSUER = 'nimbus-ts-test';

/** Options of {@link startClair}. */
export interface ClairOptions {
  /** The server Clair stores into; three databases are created in it. */
  readonly postgres: Postgres;
  /** Prefix of the databases `<prefix>_indexer`, `_matcher` and `_notifier`; default a random `clair_<hex>`. */
  readonly databasePrefix?: string;
  /** Where the notifier POSTs its webhooks. */
  readonly notifierWebhook?: string;
  /** Base64 pre-shared key for JWT auth; default a random one. */
  readonly pskKey?: string;
  /** JWT issuers Clair accepts; default [`nimbus-ts-test`]. The first is what {@link Clair.mintToken} uses. */
  readonly issuers?: readonly string[];
  /** clair and clairctl; default from {@link ensureScanBinaries}. */
  readonly binaries?: { readonly clair: string; readonly clairctl: string };
  /** Share a process owner (and its reaper) with other services; default a private one. */
  readonly owner?: ProcessOwner;
  /** Working directory (config, log, layer spool); default a new temporary directory. */
  readonly dir?: string;
  /** Keep the working directory after `stop()`. Default: `NIMBUS_SCAN_KEEP=1`. */
  readonly keepDir?: boolean;
  /**
   * Start a second notifier of this combo-mode Clair instead (`-mode notifier`): it uses that Clair's indexer and
   * matcher over their APIs and shares its notifier database and PSK, as notifier replicas do, and its timers tick
   * from its own start. `postgres` is then unused, and the API serves only the notifier's paths.
   */
  readonly notifierOf?: Clair;
  /** Clair's `log_level`; default `info`. */
  readonly logLevel?: string;
  /** How long Clair may take to run its migrations and serve its API. Default 90 s. */
  readonly readyTimeoutMs?: number;
  /** Where progress lines go; default nowhere. */
  readonly progress?: (line: string) => void;
}

/** A running Clair v4 in combo mode (indexer, matcher, notifier in one process). */
export interface Clair {
  /** API origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Introspection origin (`/metrics`, `/healthz`, `/readyz`). */
  readonly introspectionUrl: string;
  /** The base64 pre-shared key of `auth.psk.key`. */
  readonly pskKey: string;
  /** The issuer {@link mintToken} signs as. */
  readonly issuer: string;
  /** The JSON config Clair runs with; clairctl commands take it with `-c`. */
  readonly configPath: string;
  /** Clair's log file; print it when something fails. */
  readonly logPath: string;
  /** The working directory (config, log, imports). */
  readonly dir: string;
  /** Path of clairctl, for {@link importVulnerabilities}. */
  readonly clairctl: string;
  /** The databases' connection strings. */
  readonly connStrings: { readonly indexer: string; readonly matcher: string; readonly notifier: string };
  /** A fresh HS256 JWT Clair accepts. */
  mintToken(options?: MintTokenOptions): string;
  /** `fetch` against the API with a fresh token; `path` is e.g. `/indexer/api/v1/index_state`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Stops the Clair process but keeps its databases, config and ports: an outage, for tests of what clients do
   * meanwhile. {@link resume} starts it again.
   */
  pause(): Promise<void>;
  /** Starts a paused Clair again on the same ports and waits until its API answers. */
  resume(): Promise<void>;
  /** Stops Clair and removes its directory unless kept. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Clair v4 in combo mode against `postgres`: creates its three databases, writes a config (see
 * {@link clairConfig}), runs `clair -mode combo` in its own process group with its log in a file, and waits
 * for the introspection `/readyz` and an authenticated API call to succeed — by then every migration has run.
 *
 * @throws an error naming the log file when Clair exits or is not ready in time.
 */
export async function startClair(options: ClairOptions): Promise<Clair> {
  const progress = options.progress ?? (() => {});
  const binaries = options.binaries ?? (await ensureScanBinaries());
  const createdDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nimbus-clair-')));
  const keepDir = options.keepDir ?? process.env.NIMBUS_SCAN_KEEP === '1';
  const spool = join(dir, 'tmp');
  await mkdir(spool, { recursive: true });
  const rhelMappingFiles = {
    repositoryToCpe: join(dir, 'repository-to-cpe.json'),
    containerNameToRepos: join(dir, 'container-name-repos-map.json'),
  };
  await writeFile(rhelMappingFiles.repositoryToCpe, EMPTY_MAPPING_FILE);
  await writeFile(rhelMappingFiles.containerNameToRepos, EMPTY_MAPPING_FILE);
  const prefix = options.databasePrefix ?? `clair_${randomBytes(4).toString('hex')}`;
  const primary = options.notifierOf;
  const connStrings = primary?.connStrings ?? {
    indexer: await options.postgres.createDatabase(`${prefix}_indexer`),
    matcher: await options.postgres.createDatabase(`${prefix}_matcher`),
    notifier: await options.postgres.createDatabase(`${prefix}_notifier`),
  };
  const pskKey = primary?.pskKey ?? options.pskKey ?? generatePskKey();
  const issuers = options.issuers?.length ? options.issuers : [TEST_ISSUER];
  const issuer = issuers[0] as string;
  const ownOwner = options.owner === undefined;
  const owner = options.owner ?? new ProcessOwner(dir);

  try {
    for (let attempt = 1; ; attempt++) {
      const [httpPort = 0, introspectionPort = 0] = await freeLoopbackPorts(2);
      const configPath = join(dir, 'config.json');
      await writeFile(
        configPath,
        `${JSON.stringify(
          clairConfig({
            httpPort,
            introspectionPort,
            connStrings,
            pskKey,
            issuers,
            rhelMappingFiles,
            ...(options.notifierWebhook ? { notifierWebhook: options.notifierWebhook } : {}),
            ...(options.logLevel ? { logLevel: options.logLevel } : {}),
            ...(primary ? { notifierOf: `${primary.url}/` } : {}),
          }),
          null,
          2,
        )}\n`,
        { mode: 0o600 },
      );
      const url = `http://127.0.0.1:${httpPort}`;
      const introspectionUrl = `http://127.0.0.1:${introspectionPort}`;
      const clair = owner.component(
        'clair',
        binaries.clair,
        ['-mode', primary ? 'notifier' : 'combo', '-conf', configPath],
        join(dir, `clair-${httpPort}.log`),
        {
          // Clair spools fetched layers into TMPDIR; keep them inside the working directory.
          env: { ...process.env, TMPDIR: spool },
          deathHint:
            'read the Clair log above; "unknown field" means a config key Clair rejects (keys are strict since 4.7).',
        },
      );
      progress(`scan-env: starting Clair on ${url} (log ${clair.logPath})`);
      clair.start();
      const mintToken = (o?: MintTokenOptions) => mintClairToken(pskKey, issuer, o);
      // /readyz alone is not enough: Clair serves it from a separate goroutine that starts before the
      // services have migrated their databases, and with no health checks configured it always says OK.
      // The API listens only once every service is initialized, so an authenticated index_state is the
      // real readiness signal.
      const waitReady = () =>
        clair.waitReady('to answer /readyz and the API', options.readyTimeoutMs ?? 90_000, async () => {
          const ready = await fetch(`${introspectionUrl}/readyz`);
          await ready.body?.cancel();
          if (ready.status !== 200) return false;
          // A notifier alone serves no indexer: any answer about an unknown notification shows its API is up.
          const path = primary
            ? '/notifier/api/v1/notification/00000000-0000-0000-0000-000000000000'
            : '/indexer/api/v1/index_state';
          const state = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${mintToken()}` } });
          await state.body?.cancel();
          return primary ? state.status < 500 : state.status === 200;
        });
      try {
        await waitReady();
      } catch (err) {
        await clair.stop();
        if (!(err instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw err;
        progress(`scan-env: a port was taken while starting Clair (attempt ${attempt}); retrying`);
        continue;
      }
      let stopped = false;
      return {
        url,
        introspectionUrl,
        pskKey,
        issuer,
        configPath,
        logPath: clair.logPath,
        dir,
        clairctl: binaries.clairctl,
        connStrings,
        mintToken,
        fetch: (path, init = {}) => {
          const headers = new Headers(init.headers);
          headers.set('authorization', `Bearer ${mintToken()}`);
          return fetch(new URL(path, url), { ...init, headers });
        },
        async pause() {
          await clair.stop();
        },
        async resume() {
          clair.start();
          await waitReady();
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          await clair.stop();
          if (ownOwner) await owner.release();
          if (createdDir && !keepDir) await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    if (ownOwner) await owner.release();
    throw new Error(`Clair did not start. ${(err as Error).message}\nWorking directory kept: ${dir}`);
  }
}
