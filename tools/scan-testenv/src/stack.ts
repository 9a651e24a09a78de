import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryCredentials } from '@nimbus-ts/registry';
import { ensureScanBinaries, type ScanBinaries } from './binaries.js';
import { type Clair, startClair } from './clair.js';
import { importVulnerabilities } from './import.js';
import { ProcessOwner } from './owner.js';
import { type Postgres, startPostgres } from './postgres.js';
import { type Registry, startRegistry } from './registry.js';
import type { JsonblobRecord } from './vulnerabilities.js';

/** Options of {@link startScanStack}. */
export interface ScanStackOptions {
  /** Also start a second registry that requires these credentials (Bearer token flow). */
  readonly registryAuth?: RegistryCredentials;
  /** Token lifetime of the authenticating registry; default 300 s. */
  readonly tokenTtlSeconds?: number;
  /** Where Clair's notifier POSTs webhooks. */
  readonly notifierWebhook?: string;
  /** Base64 pre-shared key for Clair's JWT auth; default random. */
  readonly pskKey?: string;
  /** Pre-built executables; default {@link ensureScanBinaries} (builds once per machine). */
  readonly binaries?: ScanBinaries;
  /** Keep the working directory (logs, config, imports) after `stop()`. Default: `NIMBUS_SCAN_KEEP=1`. */
  readonly keepDir?: boolean;
  /** Where progress lines go; default nowhere. */
  readonly progress?: (line: string) => void;
}

/** PostgreSQL + registries + Clair, running on loopback. */
export interface ScanStack {
  /** The working directory: `postgres/`, `registry/`, `clair/`. */
  readonly dir: string;
  readonly binaries: ScanBinaries;
  readonly postgres: Postgres;
  /** An open registry (no login); it counts requests. */
  readonly registry: Registry;
  /** A registry requiring `registryAuth`, when that option was given. */
  readonly authRegistry?: Registry;
  readonly clair: Clair;
  /** Each log file by service, for failure messages. */
  readonly logs: Readonly<Record<string, string>>;
  /** Shorthand for {@link importVulnerabilities} into this stack's Clair. */
  importVulnerabilities(records: readonly JsonblobRecord[]): Promise<void>;
  /**
   * Stops everything (Clair first, PostgreSQL last) and removes the directory unless kept — pass
   * `{ keepDir: true }` after a failed test to keep the logs named in {@link logs}. Safe to call twice.
   */
  stop(options?: { readonly keepDir?: boolean }): Promise<void>;
}

/**
 * Starts the whole image-scanning test environment: PostgreSQL, an open registry (plus an authenticating
 * one with `registryAuth`) and Clair in combo mode, all on free loopback ports, in their own process groups
 * and reaped if the test process dies. Vulnerability data starts empty (Clair answers 202 to report
 * requests until something is imported).
 *
 * @example
 * ```ts
 * let stack: ScanStack;
 * beforeAll(async () => {
 *   stack = await startScanStack({ registryAuth: { username: 'ci', password: 's3cret' } });
 *   await stack.importVulnerabilities(debianUpdateOperation({ advisories }));
 * }, 180_000);
 * afterAll(() => stack?.stop());
 * ```
 *
 * `NIMBUS_SCAN_KEEP=1` keeps every working directory (logs, config, the NDJSON imports) for inspection.
 */
export async function startScanStack(options: ScanStackOptions = {}): Promise<ScanStack> {
  const progress = options.progress ?? (() => {});
  const binaries = options.binaries ?? (await ensureScanBinaries());
  const keepDir = options.keepDir ?? process.env.NIMBUS_SCAN_KEEP === '1';
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-scan-'));
  const dirs = { postgres: dir, registry: join(dir, 'registry'), clair: join(dir, 'clair') };
  await mkdir(dirs.registry, { recursive: true });
  await mkdir(dirs.clair, { recursive: true });
  // One reaper for the stack; after a crash it deletes PostgreSQL's data and keeps the logs.
  const owner = new ProcessOwner(dir, join(dir, 'postgres'));
  const started: { stop(): Promise<void> }[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service);
    return service;
  };
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    for (const service of started.reverse()) await service.stop();
    await owner.release();
  };

  try {
    const [postgres, registry, authRegistry] = await Promise.all([
      startPostgres({ dir: dirs.postgres, owner, progress }).then(track),
      startRegistry({ dir: dirs.registry, owner, crane: binaries.crane, progress }).then(track),
      options.registryAuth
        ? startRegistry({
            dir: dirs.registry,
            owner,
            crane: binaries.crane,
            auth: options.registryAuth,
            ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
            progress,
          }).then(track)
        : Promise.resolve(undefined),
    ]);
    const clair = track(
      await startClair({
        postgres,
        binaries,
        owner,
        dir: dirs.clair,
        keepDir: true,
        ...(options.notifierWebhook ? { notifierWebhook: options.notifierWebhook } : {}),
        ...(options.pskKey ? { pskKey: options.pskKey } : {}),
        progress,
      }),
    );
    progress(`scan-env: scan stack ready in ${dir}`);
    return {
      dir,
      binaries,
      postgres,
      registry,
      ...(authRegistry ? { authRegistry } : {}),
      clair,
      logs: {
        postgres: postgres.logPath,
        registry: registry.logPath,
        ...(authRegistry ? { authRegistry: authRegistry.logPath } : {}),
        clair: clair.logPath,
      },
      importVulnerabilities: (records) => importVulnerabilities(clair, records),
      async stop(stopOptions = {}) {
        await stopAll();
        if (!(stopOptions.keepDir ?? keepDir)) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw new Error(`the scan stack did not start: ${(err as Error).message}\nLogs kept in ${dir}`);
  }
}
