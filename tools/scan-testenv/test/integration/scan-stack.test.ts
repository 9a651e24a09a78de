import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOKWORM_OS_RELEASE,
  BOOKWORM_PACKAGES,
  EXPECTED_AFTER_OP1,
  EXPECTED_NEW_IN_OP2,
  type ExpectedFinding,
  NOT_VULNERABLE,
  OP1_FILE,
  OP2_FILE,
} from '../../src/bookworm.js';
import {
  type ClairManifest,
  clairManifest,
  fetchRegistryToken,
  importVulnerabilityFile,
  MEDIA_TYPES,
  mintClairToken,
  parseBearerChallenge,
  pushTestImage,
  RegistryClient,
  type ScanStack,
  startScanStack,
} from '../../src/index.js';

const CREDENTIALS = { username: 'scanner', password: 'correct horse battery staple' };

/** The parts of Clair's VulnerabilityReport the assertions read. */
interface VulnerabilityReport {
  manifest_hash: string;
  packages: Record<string, { name: string; version: string; arch?: string }>;
  vulnerabilities: Record<
    string,
    { name: string; normalized_severity: string; fixed_in_version: string; severity: string; updater: string }
  >;
  package_vulnerabilities: Record<string, string[]>;
}

/** Findings by vulnerability name: the sorted names of the packages each affects, plus severity and fix. */
function findings(report: VulnerabilityReport): Map<string, ExpectedFinding> {
  const out = new Map<
    string,
    { packages: Set<string>; normalizedSeverity: string; fixedInVersion: string }
  >();
  for (const [pkgId, vulnIds] of Object.entries(report.package_vulnerabilities)) {
    const pkg = report.packages[pkgId];
    for (const id of vulnIds) {
      const v = report.vulnerabilities[id];
      if (!v || !pkg) continue;
      const entry = out.get(v.name) ?? {
        packages: new Set<string>(),
        normalizedSeverity: v.normalized_severity,
        fixedInVersion: v.fixed_in_version,
      };
      entry.packages.add(pkg.name);
      out.set(v.name, entry);
    }
  }
  return new Map(
    [...out].map(([name, e]) => [
      name,
      {
        vulnerability: name,
        packages: [...e.packages].sort(),
        normalizedSeverity: e.normalizedSeverity as ExpectedFinding['normalizedSeverity'],
        fixedInVersion: e.fixedInVersion,
      },
    ]),
  );
}

/** Clair's index and report calls against a stack, with the status and the parsed body. */
function clairCalls(stackOf: () => ScanStack) {
  return {
    index: async (body: ClairManifest) => {
      const res = await stackOf().clair.fetch('/indexer/api/v1/index_report', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        report: (await res.json()) as { state: string; success: boolean; err: string; message?: string },
      };
    },
    report: async (digest: string) => {
      const res = await stackOf().clair.fetch(`/matcher/api/v1/vulnerability_report/${digest}`);
      const text = await res.text();
      return {
        status: res.status,
        report: (text ? JSON.parse(text) : undefined) as VulnerabilityReport | undefined,
      };
    },
  };
}

/** Stops a block's stack after its tests, keeping its logs (and saying where) when one of them failed. */
function stopKeepingLogsOnFailure(stackOf: () => ScanStack | undefined) {
  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    const stack = stackOf();
    await stack?.stop({ keepDir: failed });
    if (failed && stack) {
      const logs = Object.entries(stack.logs).map(([name, path]) => `  ${name}: ${path}`);
      process.stderr.write(`scan stack logs kept:\n${logs.join('\n')}\n`);
    }
  });
}

// Before any advisory is imported the matcher has nothing to match with; once one is, that stays so for the
// stack's life. This block has a stack of its own, so no other test can have imported one already.
describe('the scan test stack before any vulnerability data is imported', () => {
  let stack: ScanStack;
  const { index, report } = clairCalls(() => stack);

  beforeAll(async () => {
    stack = await startScanStack();
  }, 15 * 60_000);
  stopKeepingLogsOnFailure(() => stack);

  it('answers 202 for a report while the matcher holds no vulnerability data', async () => {
    const image = await pushTestImage(stack.registry, {
      repository: 'nimbus/bookworm-early',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    const manifest = clairManifest(stack.registry.url, image);
    expect((await index(manifest)).status).toBe(201);
    const { status } = await report(manifest.hash);
    expect(status).toBe(202);
  });
});

describe('the scan test stack (Clair v4 + PostgreSQL + OCI registry)', () => {
  let stack: ScanStack;
  const { index, report } = clairCalls(() => stack);
  /**
   * One image pushed to the open registry and indexed, once, for whichever test needs it first; the index call's
   * answer and the registry's blob GETs during it are kept for the test that checks them.
   */
  let indexing:
    | Promise<{ manifest: ClairManifest; status: number; indexed: unknown; blobGets: number }>
    | undefined;
  const indexedImage = () => {
    indexing ??= (async () => {
      const image = await pushTestImage(stack.registry, {
        repository: 'nimbus/bookworm-app',
        tag: '1.0',
        osRelease: BOOKWORM_OS_RELEASE,
        dpkgPackages: BOOKWORM_PACKAGES,
      });
      const manifest = clairManifest(stack.registry.url, image);
      stack.registry.clearRequests();
      const { status, report: indexed } = await index(manifest);
      const blobGets = stack.registry.count({ kind: 'blobs', method: 'GET', status: 200 });
      return { manifest, status, indexed, blobGets };
    })();
    return indexing;
  };

  beforeAll(async () => {
    // The first run on a machine builds clair, clairctl and crane (minutes; progress goes to stderr). A stack of
    // its own, not the run's shared one (sharedScanStack): this file tests startScanStack, and its advisory test
    // needs clairctl's skipping of a stored fingerprint, which the shared Clair turns off.
    stack = await startScanStack({ registryAuth: CREDENTIALS });
  }, 15 * 60_000);
  stopKeepingLogsOnFailure(() => stack);

  it('rejects API calls without a JWT, or with one signed by another key, with 401', async () => {
    const bare = await fetch(`${stack.clair.url}/indexer/api/v1/index_state`);
    expect(bare.status).toBe(401);
    const forged = mintClairToken(Buffer.from('not the key').toString('base64'), stack.clair.issuer);
    const wrong = await fetch(`${stack.clair.url}/indexer/api/v1/index_state`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(wrong.status).toBe(401);
    const ok = await stack.clair.fetch('/indexer/api/v1/index_state');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { state: string }).state).not.toBe('');
  });

  it('indexes a pushed Debian image from the open registry, fetching its one layer once', async () => {
    const { status, indexed, blobGets } = await indexedImage();
    expect(status).toBe(201);
    expect(indexed).toMatchObject({ state: 'IndexFinished', success: true });
    const full = indexed as {
      packages: Record<string, { name: string; source?: { name: string } }>;
      distributions: Record<string, { did: string; version: string }>;
    };
    const names = Object.values(full.packages).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(BOOKWORM_PACKAGES.map((p) => p.name)));
    expect(Object.values(full.distributions)).toEqual([
      expect.objectContaining({ did: 'debian', version: '12 (bookworm)' }),
    ]);
    expect(blobGets).toBe(1);
  });

  // One test, two steps: once the second advisory is imported, the first step's exact findings are gone for good.
  it('matches the imported Debian advisories with normalized severities and fixed versions, then includes a new advisory after a second update operation is imported', async () => {
    const { manifest } = await indexedImage();
    await importVulnerabilityFile(stack, OP1_FILE);
    const { status, report: body } = await report(manifest.hash);
    expect(status).toBe(200);
    const found = findings(body as VulnerabilityReport);
    for (const expected of EXPECTED_AFTER_OP1) expect(found.get(expected.vulnerability)).toEqual(expected);
    expect([...found.keys()].sort()).toEqual(EXPECTED_AFTER_OP1.map((f) => f.vulnerability).sort());
    const vulnerable = new Set([...found.values()].flatMap((f) => f.packages));
    for (const name of NOT_VULNERABLE) expect(vulnerable.has(name)).toBe(false);
    const vulns = Object.values((body as VulnerabilityReport).vulnerabilities);
    expect(vulns.every((v) => v.updater === 'debian/updater')).toBe(true);
    expect(vulns.find((v) => v.name === 'CVE-2099-1001')?.severity).toBe('high');

    await importVulnerabilityFile(stack, OP2_FILE);
    const after = findings((await report(manifest.hash)).report as VulnerabilityReport);
    expect(after.get(EXPECTED_NEW_IN_OP2.vulnerability)).toEqual(EXPECTED_NEW_IN_OP2);
    expect(after.size).toBe(EXPECTED_AFTER_OP1.length + 1);
    // Importing the same operation again is a no-op (same fingerprint), not a duplicate.
    await importVulnerabilityFile(stack, OP2_FILE);
    expect(findings((await report(manifest.hash)).report as VulnerabilityReport).size).toBe(after.size);
  });

  it('indexes one platform of a multi-arch image through a registry that requires a Bearer token', async () => {
    const registry = stack.authRegistry;
    if (!registry) throw new Error('the stack was started with registryAuth');
    const multi = await pushTestImage(registry, {
      repository: 'private/bookworm-multi',
      tag: '2.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    expect(multi.indexDigest).toBe(multi.digest);
    expect(multi.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    // The tag resolves to the OCI index, as a runtime pulling the image would see it.
    const client = new RegistryClient(registry.url, CREDENTIALS);
    const tagged = await client.request(
      `/v2/${multi.repository}/manifests/2.0`,
      `repository:${multi.repository}:pull`,
      {
        headers: { accept: MEDIA_TYPES.index },
      },
    );
    expect(tagged.status).toBe(200);
    expect(tagged.headers.get('content-type')).toBe(MEDIA_TYPES.index);
    expect(tagged.headers.get('docker-content-digest')).toBe(multi.indexDigest);
    await tagged.body?.cancel();
    const arm64 = multi.manifestFor('arm64');
    registry.clearRequests();

    // The client side of the dance: the blob URL challenges, the realm hands out a token for the scope.
    const blobUrl = `${registry.url}/v2/${multi.repository}/blobs/${arm64.layers[0]?.digest}`;
    const unauthenticated = await fetch(blobUrl);
    expect(unauthenticated.status).toBe(401);
    const challenge = parseBearerChallenge(unauthenticated.headers.get('www-authenticate'));
    expect(challenge).toEqual({
      realm: `${registry.url}/token`,
      service: 'nimbus-test-registry',
      scope: `repository:${multi.repository}:pull`,
    });
    if (!challenge) return;
    await expect(
      fetchRegistryToken(challenge, { username: CREDENTIALS.username, password: 'wrong' }),
    ).rejects.toThrow(/answered 401/);
    const token = await fetchRegistryToken(challenge, CREDENTIALS);

    // Without the header the registry refuses Clair's fetch, and Clair fails the POST naming the status.
    const refused = await index(clairManifest(registry.url, multi, { architecture: 'arm64' }));
    expect(refused.status).toBe(500);
    expect(refused.report.message).toMatch(/401 Unauthorized/);
    // A manifest that failed to index is retried on the next POST, now with the token.
    const withToken = clairManifest(registry.url, multi, {
      architecture: 'arm64',
      headers: { Authorization: [`Bearer ${token}`] },
    });
    const { status, report: indexed } = await index(withToken);
    expect(status).toBe(201);
    expect(indexed).toMatchObject({ state: 'IndexFinished', success: true });
    expect(registry.count({ kind: 'token', status: 200 })).toBe(1);
    expect(registry.count({ kind: 'token', status: 401 })).toBe(1);
    expect(registry.count({ kind: 'blobs', method: 'GET', status: 200 })).toBe(1);

    // The findings need vulnerability data: import the first advisories (a no-op when another test did).
    await importVulnerabilityFile(stack, OP1_FILE);
    const { report: body } = await report(arm64.digest);
    const found = findings(body as VulnerabilityReport);
    expect(found.get('CVE-2099-1001')?.packages).toEqual(['libssl3', 'openssl']);
    expect(
      Object.values((body as VulnerabilityReport).packages).find((p) => p.name === 'libssl3')?.arch,
    ).toBe('arm64');
  });
});
