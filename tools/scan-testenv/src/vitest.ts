import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mintClairToken } from '@nimbus-ts/clair-client';
import { inject } from 'vitest';
import { ensureScanBinaries } from './binaries.js';
import type { Clair } from './clair.js';
import { importVulnerabilities } from './import.js';
import type { Postgres } from './postgres.js';
import { findPostgresBinaries } from './postgres-binaries.js';
import { type Registry, startRegistry } from './registry.js';
import type { SharedClairDescription } from './shared-stack-broker.js';
import type { ScanStack, ScanStackOptions } from './stack.js';
// The ProvidedContext declaration of `nimbusScanStack`.
import type {} from './vitest-global-setup.js';

const run = promisify(execFile);

/** Options of {@link sharedScanStack}: the registries of the file's own; Clair is the run's. */
export type SharedScanStackOptions = Pick<ScanStackOptions, 'registryAuth' | 'tokenTtlSeconds' | 'progress'>;

/**
 * The run's shared scan stack as one test file uses it, in place of `startScanStack()`: the run's PostgreSQL
 * and Clair (started by the first file that asks, see `vitest-global-setup.ts`) with registries of this file's own.
 * `stop()` stops only those registries; the run's teardown stops Clair. Call it in `beforeAll`.
 *
 * What a file shares with the others, and so must not assume:
 * - Clair's index: each image pushed to this file's registries carries a marker of this file (see
 *   `PushTarget.imageMarker`), so its layers are its own and Clair fetches them afresh.
 * - Clair's vulnerability data: every import is a fresh update operation (see `ImportTarget.freshOperations`),
 *   so reports show what this file imported last. Files run one at a time (`fileParallelism: false`), so no other
 *   file imports meanwhile. A file must import what it needs; it cannot see a matcher without data.
 * - Clair itself: `pause()` and `resume()` reject. A file that stops Clair, configures its notifier, or needs
 *   it fresh starts its own with `startScanStack()`.
 */
export async function sharedScanStack(options: SharedScanStackOptions = {}): Promise<ScanStack> {
  const broker = inject('nimbusScanStack');
  if (!broker) {
    throw new Error(
      'sharedScanStack(): no scan stack broker was provided. Fix: add ' +
        "packages/adapter-clair/src/testing/vitest-global-setup.ts to this vitest project's globalSetup.",
    );
  }
  // Built here, once per machine, so the broker's start is only PostgreSQL and Clair.
  const binaries = await ensureScanBinaries();
  const res = await fetch(`${broker.url}/acquire`, {
    method: 'POST',
    headers: { authorization: `Bearer ${broker.token}` },
  });
  const body = (await res.json()) as SharedClairDescription & { error?: string };
  if (res.status !== 200) throw new Error(`the run's shared scan stack is not available: ${body.error}`);
  const shared = body;
  const clair = attachClair(shared);
  const postgres = attachPostgres(shared);

  // One marker per call (per file, since a file calls it once per block): distinct layers, distinct index reports.
  const marker = `shared-scan-stack ${randomBytes(8).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-scan-file-'));
  const registries: Registry[] = [];
  try {
    const progress = options.progress ?? (() => {});
    const [registry, authRegistry] = await Promise.all([
      startRegistry({ dir, crane: binaries.crane, progress }),
      options.registryAuth
        ? startRegistry({
            dir,
            crane: binaries.crane,
            auth: options.registryAuth,
            ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
            progress,
          })
        : Promise.resolve(undefined),
    ]);
    for (const r of [registry, authRegistry]) if (r) registries.push(r);
    let stopped = false;
    return {
      dir,
      binaries,
      postgres,
      registry: { ...registry, imageMarker: marker },
      ...(authRegistry ? { authRegistry: { ...authRegistry, imageMarker: marker } } : {}),
      clair,
      logs: {
        postgres: postgres.logPath,
        registry: registry.logPath,
        ...(authRegistry ? { authRegistry: authRegistry.logPath } : {}),
        clair: clair.logPath,
      },
      importVulnerabilities: (records) => importVulnerabilities(clair, records),
      async stop(stopOptions = {}) {
        if (stopped) return;
        stopped = true;
        for (const r of registries) await r.stop();
        const keep = stopOptions.keepDir ?? process.env.NIMBUS_SCAN_KEEP === '1';
        if (keep) {
          // The shared services' logs are what a failure needs: ask the run to keep them too.
          await fetch(`${broker.url}/keep`, {
            method: 'POST',
            headers: { authorization: `Bearer ${broker.token}` },
          }).then((r) => r.body?.cancel());
        } else {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    for (const r of registries) await r.stop();
    throw err;
  }
}

/** The shared Clair seen from a test file: its API and imports work; stopping it is the run's. */
function attachClair(shared: SharedClairDescription): Clair & { readonly freshOperations: true } {
  const { clair } = shared;
  const mintToken: Clair['mintToken'] = (o) => mintClairToken(clair.pskKey, clair.issuer, o);
  const notOurs = async () => {
    throw new Error(
      "the run's shared Clair cannot be paused or resumed: a test that stops Clair starts its own with startScanStack()",
    );
  };
  return {
    ...clair,
    freshOperations: true,
    mintToken,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${mintToken()}`);
      return fetch(new URL(path, clair.url), { ...init, headers });
    },
    pause: notOurs,
    resume: notOurs,
    // The run's teardown stops it.
    stop: async () => {},
  };
}

/** The shared PostgreSQL seen from a test file: psql over loopback TCP, as the server's owner runs it. */
function attachPostgres(shared: SharedClairDescription): Postgres {
  const { host, port, user, logPath } = shared.postgres;
  const connString = (database: string) =>
    `host=${host} port=${port} user=${user} dbname=${database} sslmode=disable`;
  const psql = async (database: string, sql: string) => {
    const args = ['-h', host, '-p', String(port), '-U', user, '-d', database, '-X', '-A', '-t'];
    const { stdout } = await run(findPostgresBinaries().psql, [...args, '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
    });
    return stdout.trim();
  };
  return {
    host,
    port,
    user,
    logPath,
    connString,
    psql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
        throw new Error(`database name "${name}" must match [a-z_][a-z0-9_]* (it is interpolated into SQL)`);
      }
      await psql('postgres', `CREATE DATABASE ${name}`);
      await psql(name, 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
      return connString(name);
    },
    // The run's teardown stops it.
    stop: async () => {},
  };
}
