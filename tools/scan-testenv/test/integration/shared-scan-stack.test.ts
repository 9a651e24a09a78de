import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOKWORM_OS_RELEASE,
  BOOKWORM_PACKAGES,
  EXPECTED_AFTER_OP1,
  EXPECTED_NEW_IN_OP2,
  OP1_FILE,
  OP2_FILE,
} from '../../src/bookworm.js';
import {
  type ClairManifest,
  clairManifest,
  importVulnerabilityFile,
  pushTestImage,
  type ScanStack,
} from '../../src/index.js';
import { sharedScanStack } from '../../src/vitest.js';

// What the test files sharing the run's Clair rely on: the same Clair, but registries, layers and vulnerability
// data that no earlier file can have changed for them.
describe('the run’s shared scan stack', () => {
  let first: ScanStack;
  let second: ScanStack;

  beforeAll(async () => {
    first = await sharedScanStack();
    second = await sharedScanStack();
  }, 15 * 60_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });

  const index = async (stack: ScanStack, manifest: ClairManifest) => {
    const res = await stack.clair.fetch('/indexer/api/v1/index_report', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    await res.body?.cancel();
    return res.status;
  };
  const findingNames = async (stack: ScanStack, digest: string) => {
    const res = await stack.clair.fetch(`/matcher/api/v1/vulnerability_report/${digest}`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { vulnerabilities: Record<string, { name: string }> };
    return [...new Set(Object.values(report.vulnerabilities).map((v) => v.name))].sort();
  };

  it('is one Clair with registries of each caller’s own, which the caller cannot pause', async () => {
    expect(second.clair.url).toBe(first.clair.url);
    expect(second.registry.url).not.toBe(first.registry.url);
    await expect(first.clair.pause()).rejects.toThrow(/starts its own with startScanStack/);
    const state = await first.clair.fetch('/indexer/api/v1/index_state');
    expect(state.status).toBe(200);
    await state.body?.cancel();
  });

  it('gives equal images pushed by two callers layers of their own, so Clair fetches each', async () => {
    const spec = {
      repository: 'nimbus/shared-equal',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    };
    const images = [await pushTestImage(first.registry, spec), await pushTestImage(second.registry, spec)];
    expect(images[1]?.digest).not.toBe(images[0]?.digest);
    for (const [i, stack] of [first, second].entries()) {
      const image = images[i];
      if (!image) throw new Error('pushed two images');
      stack.registry.clearRequests();
      expect(await index(stack, clairManifest(stack.registry.url, image))).toBe(201);
      expect(stack.registry.count({ kind: 'blobs', method: 'GET', status: 200 })).toBe(1);
    }
  });

  it('makes what was imported last the data reports show, even an operation imported before', async () => {
    const image = await pushTestImage(first.registry, {
      repository: 'nimbus/shared-data',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    expect(await index(first, clairManifest(first.registry.url, image))).toBe(201);
    const op1 = EXPECTED_AFTER_OP1.map((f) => f.vulnerability).sort();
    await importVulnerabilityFile(first, OP1_FILE);
    expect(await findingNames(first, image.digest)).toEqual(op1);
    await importVulnerabilityFile(first, OP2_FILE);
    expect(await findingNames(first, image.digest)).toEqual(
      [...op1, EXPECTED_NEW_IN_OP2.vulnerability].sort(),
    );
    // clairctl alone would skip this one (its fingerprint is stored) and the reports would keep OP2's finding.
    await importVulnerabilityFile(second, OP1_FILE);
    expect(await findingNames(first, image.digest)).toEqual(op1);
  });
});
