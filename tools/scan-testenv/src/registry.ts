import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPorts, PortInUseError } from '@nimbus-ts/k8s/testing';
import type { RegistryCredentials } from '@nimbus-ts/registry';
import { ensureScanBinaries } from './binaries.js';
import type { PushTarget } from './image-push.js';
import { ProcessOwner } from './owner.js';
import {
  type RecordedRequest,
  type RegistryFront,
  type RegistryRequestKind,
  startRegistryFront,
} from './registry-front.js';

const PORT_ATTEMPTS = 3;

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Require a login: clients get Bearer tokens from the registry's `/token` endpoint with these credentials. */
  readonly auth?: RegistryCredentials;
  /** Lifetime of issued tokens; default 300 s. */
  readonly tokenTtlSeconds?: number;
  /** crane's path; default from {@link ensureScanBinaries}. */
  readonly crane?: string;
  /** Share a process owner (and its reaper) with other services; default a private one. */
  readonly owner?: ProcessOwner;
  /** Where crane's log goes; default a new temporary directory, removed by `stop()`. */
  readonly dir?: string;
  /** How long crane may take to serve. Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Where progress lines go; default nowhere. */
  readonly progress?: (line: string) => void;
}

/** Which requests {@link Registry.count} counts; every given field must match. */
export interface RequestFilter {
  readonly kind?: RegistryRequestKind;
  readonly method?: string;
  readonly repository?: string;
  readonly status?: number;
}

/** A running test registry. Pass it to {@link pushTestImage} as the target. */
export interface Registry extends PushTarget {
  /** `127.0.0.1:PORT`, the host part of pull references. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The login this registry requires, if any. */
  readonly credentials?: RegistryCredentials;
  /** crane's own origin, behind the front: no login, not counted. For diagnostics only. */
  readonly backendUrl: string;
  /** Every request the registry answered, in order. */
  readonly requests: readonly RecordedRequest[];
  /** How many answered requests match `filter`, e.g. `{ kind: 'blobs', method: 'GET' }`. */
  count(filter?: RequestFilter): number;
  /** Forgets the recorded requests, e.g. after pushing and before the step under test. */
  clearRequests(): void;
  /** Invalidates every issued token, as if they had all expired. */
  expireTokens(): void;
  /** crane's log file. */
  readonly logPath: string;
  /** Stops crane and the front. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts an in-memory OCI registry on loopback: crane's `registry serve` behind a small TypeScript front
 * that counts requests and, with `auth`, demands Bearer tokens exactly as Docker Hub, GHCR or Harbor do
 * (see {@link startRegistryFront}). The front is there without `auth` too, so request counts are always
 * available; it passes everything through unchanged.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const progress = options.progress ?? (() => {});
  const crane = options.crane ?? (await ensureScanBinaries()).crane;
  const createdDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nimbus-registry-')));
  const ownOwner = options.owner === undefined;
  const owner = options.owner ?? new ProcessOwner(dir);
  try {
    for (let attempt = 1; ; attempt++) {
      const [port = 0] = await freeLoopbackPorts(1);
      const backendUrl = `http://127.0.0.1:${port}`;
      const server = owner.component(
        'crane-registry',
        crane,
        ['registry', 'serve', '--address', `127.0.0.1:${port}`],
        join(dir, `registry-${port}.log`),
        { deathHint: "read crane's log above." },
      );
      progress(`scan-env: starting crane registry on ${backendUrl}`);
      server.start();
      try {
        await server.waitReady('to answer /v2/', options.readyTimeoutMs ?? 30_000, async () => {
          const res = await fetch(`${backendUrl}/v2/`);
          await res.body?.cancel();
          return res.status === 200;
        });
      } catch (err) {
        if (!(err instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw err;
        progress(`scan-env: a port was taken while starting crane (attempt ${attempt}); retrying`);
        continue;
      }
      const front: RegistryFront = await startRegistryFront({
        backend: backendUrl,
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
      });
      let stopped = false;
      return {
        host: front.host,
        url: front.url,
        ...(options.auth ? { credentials: options.auth } : {}),
        backendUrl,
        requests: front.requests,
        count: (filter = {}) =>
          front.requests.filter(
            (r) =>
              (filter.kind === undefined || r.kind === filter.kind) &&
              (filter.method === undefined || r.method === filter.method) &&
              (filter.repository === undefined || r.repository === filter.repository) &&
              (filter.status === undefined || r.status === filter.status),
          ).length,
        clearRequests: () => {
          front.requests.length = 0;
        },
        expireTokens: () => front.expireTokens(),
        logPath: server.logPath,
        async stop() {
          if (stopped) return;
          stopped = true;
          await front.close();
          await server.stop();
          if (ownOwner) await owner.release();
          if (createdDir) await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    if (ownOwner) await owner.release();
    throw err;
  }
}
