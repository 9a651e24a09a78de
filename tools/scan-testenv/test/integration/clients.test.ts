import {
  buildClairManifest,
  ClairClient,
  ClairError,
  ClairIndexError,
  type VulnerabilityReport,
} from '@nimbus-ts/clair-client';
import {
  layerAccess,
  nodePlatform,
  podImages,
  RegistryClient,
  RegistryError,
  resolveImage,
  type SecretLike,
  selectCredentials,
  TokenCache,
} from '@nimbus-ts/registry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOKWORM_OS_RELEASE,
  BOOKWORM_PACKAGES,
  EXPECTED_AFTER_OP1,
  type ExpectedFinding,
  OP1_FILE,
} from '../../src/bookworm.js';
import {
  importVulnerabilityFile,
  type PushedImage,
  pushTestImage,
  type Registry,
  type ScanStack,
  startScanStack,
} from '../../src/index.js';

const CREDENTIALS = { username: 'puller', password: 'tr0ub4dor&3' };

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A pull Secret exactly as the API server returns one created by `kubectl create secret docker-registry`. */
function dockerConfigSecret(name: string, server: string, username: string, password: string): SecretLike {
  const config = {
    auths: { [server]: { username, password, auth: b64(`${username}:${password}`) } },
  };
  return {
    metadata: { name, namespace: 'shop' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify(config)) },
  };
}

/** Findings by vulnerability name, in the fixture's terms. */
function findings(report: VulnerabilityReport): Map<string, ExpectedFinding> {
  const out = new Map<string, ExpectedFinding>();
  for (const [pkgId, vulnIds] of Object.entries(report.package_vulnerabilities ?? {})) {
    const pkg = report.packages?.[pkgId];
    for (const id of vulnIds ?? []) {
      const v = report.vulnerabilities?.[id];
      if (!v || !pkg) continue;
      const seen = out.get(v.name);
      out.set(v.name, {
        vulnerability: v.name,
        packages: [...(seen?.packages ?? []), pkg.name].sort(),
        normalizedSeverity: v.normalized_severity,
        fixedInVersion: v.fixed_in_version,
      });
    }
  }
  return out;
}

describe('the production registry and Clair clients', () => {
  let stack: ScanStack;
  let registry: Registry;
  let multi: PushedImage;
  let clair: ClairClient;
  /** The manifest the index test indexed; the notification test expects to hear about it. */

  beforeAll(async () => {
    // A Clair of its own, not the run's shared one (sharedScanStack): the index test checks the client's answer
    // to a matcher that holds no vulnerability data yet, which a Clair other files imported into never is again.
    stack = await startScanStack({ registryAuth: CREDENTIALS });
    if (!stack.authRegistry) throw new Error('the stack was started with registryAuth');
    registry = stack.authRegistry;
    multi = await pushTestImage(registry, {
      repository: 'shop/cart',
      tag: '3.1',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    clair = new ClairClient({
      url: stack.clair.url,
      auth: { key: stack.clair.pskKey, issuer: stack.clair.issuer },
    });
  }, 15 * 60_000);

  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  /** What the adapter does for a running pod: its digest, its pull secret, its node's platform. */
  const podOnNode = (arch: string) => ({
    pod: {
      spec: {
        containers: [{ name: 'cart', image: multi.reference }],
        imagePullSecrets: [{ name: 'regcred' }],
        nodeName: `node-${arch}`,
      },
      status: {
        containerStatuses: [{ name: 'cart', image: multi.reference, imageID: multi.digestReference }],
      },
    },
    node: { labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch } },
  });

  it('resolves a multi-arch image to the node platform manifest through the bearer flow, fetching one token', async () => {
    const podSecret = dockerConfigSecret(
      'regcred',
      registry.host,
      CREDENTIALS.username,
      CREDENTIALS.password,
    );
    // The service account's secret for the same registry is stale: the pod's own must be tried first.
    const saSecret = dockerConfigSecret('old', `http://${registry.host}/v2/`, CREDENTIALS.username, 'stale');
    const tokens = new TokenCache();
    registry.clearRequests();

    for (const arch of ['amd64', 'arm64']) {
      const { pod, node } = podOnNode(arch);
      const [image] = podImages(pod).images;
      if (!image) throw new Error('no image found in the pod');
      expect(image.digest).toBe(multi.indexDigest);
      const { candidates } = selectCredentials(image.reference.canonical, {
        podSecrets: [podSecret],
        serviceAccountSecrets: [saSecret],
      });
      expect(candidates.map((c) => `${c.secret}:${c.password}`)).toEqual([
        `shop/regcred:${CREDENTIALS.password}`,
        'shop/old:stale',
      ]);
      const client = RegistryClient.forRegistry(image.reference.registry, candidates[0], {
        tokenCache: tokens,
      });
      const resolved = await resolveImage(
        client,
        { ...image.reference, digest: image.digest },
        { platform: nodePlatform(node.labels) },
      );
      const expected = multi.manifestFor(arch);
      expect(resolved).toEqual({
        registry: registry.host,
        repository: 'shop/cart',
        indexDigest: multi.indexDigest,
        manifestDigest: expected.digest,
        mediaType: expected.mediaType,
        platform: { os: 'linux', architecture: arch },
        config: {
          digest: expected.config.digest,
          mediaType: expected.config.mediaType,
          size: expected.config.size,
        },
        layers: expected.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
      });
    }
    // A manifest digest stays what it is; its platform comes from the image config.
    const arm64 = multi.manifestFor('arm64');
    const client = RegistryClient.forRegistry(registry.host, CREDENTIALS, { tokenCache: tokens });
    const direct = await resolveImage(client, {
      registry: registry.host,
      repository: 'shop/cart',
      digest: arm64.digest,
    });
    expect(direct.indexDigest).toBeUndefined();
    expect(direct.manifestDigest).toBe(arm64.digest);
    expect(direct.platform).toEqual({ os: 'linux', architecture: 'arm64' });

    // Five manifest GETs and a config GET over three clients, one token: the first GET met the challenge,
    // every later request found the realm and the token in the shared cache.
    expect(registry.count({ kind: 'manifests', method: 'GET', status: 200 })).toBe(5);
    expect(registry.count({ kind: 'blobs', method: 'GET', status: 200 })).toBe(1);
    expect(registry.count({ kind: 'token', status: 200 })).toBe(1);
    expect(registry.count({ status: 401 })).toBe(1);
  });

  it('names the imagePullSecret when the password is wrong or missing', async () => {
    const target = { registry: registry.host, repository: 'shop/cart', digest: multi.digest };
    const wrong = RegistryClient.forRegistry(registry.host, { ...CREDENTIALS, password: 'nope' });
    const error = await resolveImage(wrong, target).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, registry: registry.host });
    expect((error as Error).message).toMatch(/answered 401/);
    expect((error as Error).message).toContain(`imagePullSecret for ${registry.host} is wrong or expired`);

    const anonymous = RegistryClient.forRegistry(registry.host);
    await expect(resolveImage(anonymous, target)).rejects.toThrow(
      `add an imagePullSecret for ${registry.host} to the pod or its service account`,
    );
  });

  it('indexes with layer access minted by the registry code and reports the fixture findings', async () => {
    const client = RegistryClient.forRegistry(registry.host, CREDENTIALS);
    const resolved = await resolveImage(client, {
      registry: registry.host,
      repository: 'shop/cart',
      digest: multi.digest,
    });
    expect(await clair.indexReport(resolved.manifestDigest)).toBeUndefined();
    // With no vulnerability data at all the matcher answers 202 before it looks for the manifest.
    expect(await clair.vulnerabilityReport(resolved.manifestDigest)).toEqual({ kind: 'not-ready' });

    registry.clearRequests();
    const access = await layerAccess(client, resolved);
    // Minted fresh for Clair even though the client holds a cached token.
    expect(registry.count({ kind: 'token', status: 200 })).toBe(1);
    expect(access).toEqual([
      {
        digest: resolved.layers[0]?.digest,
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        uri: `${registry.url}/v2/shop/cart/blobs/${resolved.layers[0]?.digest}`,
        headers: { Authorization: [expect.stringMatching(/^Bearer \S+$/)] },
      },
    ]);
    const manifest = buildClairManifest(resolved, access);
    const indexed = await clair.index(manifest);
    expect(indexed).toMatchObject({
      manifest_hash: resolved.manifestDigest,
      state: 'IndexFinished',
      success: true,
    });
    expect(Object.values(indexed.packages ?? {}).map((p) => p.name)).toEqual(
      expect.arrayContaining(BOOKWORM_PACKAGES.map((p) => p.name)),
    );
    expect(Object.values(indexed.distributions ?? {})).toEqual([
      expect.objectContaining({ did: 'debian', version_id: '12', version_code_name: 'bookworm' }),
    ]);
    expect(registry.count({ kind: 'blobs', method: 'GET', status: 200 })).toBe(1);
    expect(await clair.indexReport(resolved.manifestDigest)).toEqual(indexed);
    expect(await clair.indexState()).toMatch(/\S/);

    // The matcher has no vulnerability data until something is imported.
    expect(await clair.vulnerabilityReport(resolved.manifestDigest)).toEqual({ kind: 'not-ready' });
    await importVulnerabilityFile(stack, OP1_FILE);
    const answer = await clair.vulnerabilityReport(resolved.manifestDigest);
    if (answer.kind !== 'ready') throw new Error(`expected a report, got ${answer.kind}`);
    expect(answer.report.manifest_hash).toBe(resolved.manifestDigest);
    expect(answer.maxAgeSeconds).toBeGreaterThan(0);
    const found = findings(answer.report);
    expect([...found.values()].sort((a, b) => a.vulnerability.localeCompare(b.vulnerability))).toEqual(
      EXPECTED_AFTER_OP1,
    );
    // Once there is data, an image never indexed is a 404.
    expect(await clair.vulnerabilityReport(multi.manifestFor('arm64').digest)).toEqual({
      kind: 'not-indexed',
    });
    const critical = Object.values(answer.report.vulnerabilities ?? {}).find(
      (v) => v.name === 'CVE-2099-1001',
    );
    expect(critical).toMatchObject({
      severity: 'high',
      normalized_severity: 'Critical',
      updater: 'debian/updater',
    });
  });

  it('answers 401 to a client without a token or with the wrong key', async () => {
    const open = new ClairClient({ url: stack.clair.url });
    const bare = await open.indexState().catch((err: unknown) => err);
    expect(bare).toBeInstanceOf(ClairError);
    expect(bare).toMatchObject({ kind: 'unauthorized', status: 401, retryable: false });
    expect((bare as Error).message).toContain('configure the pre-shared key');

    const forged = new ClairClient({
      url: stack.clair.url,
      auth: { key: b64('not the key'), issuer: stack.clair.issuer },
    });
    await expect(forged.vulnerabilityReport(multi.manifestFor('amd64').digest)).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
    });
  });

  it('reports a layer Clair may not fetch as a typed, retryable layer-fetch error', async () => {
    const fresh = await pushTestImage(registry, {
      repository: 'shop/refused',
      tag: '1',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
      // A layer Clair has not seen, so it must really fetch it.
      files: [{ path: 'etc/refused-marker', content: 'refused\n' }],
    });
    const client = RegistryClient.forRegistry(registry.host, CREDENTIALS);
    const resolved = await resolveImage(client, {
      registry: registry.host,
      repository: fresh.repository,
      digest: fresh.digest,
    });
    const withoutToken = (await layerAccess(client, resolved)).map((layer) => ({ ...layer, headers: {} }));
    const error = await clair.index(buildClairManifest(resolved, withoutToken)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClairError);
    expect(error).not.toBeInstanceOf(ClairIndexError);
    expect(error).toMatchObject({ kind: 'layer-fetch', status: 500, layerStatus: 401, retryable: true });
    expect((error as ClairError).clairMessage).toMatch(/401 Unauthorized/);

    // With the token the same manifest indexes.
    const report = await clair.index(buildClairManifest(resolved, await layerAccess(client, resolved)));
    expect(report.success).toBe(true);
  });

  it('refuses malformed digests and notification IDs before sending', async () => {
    await expect(clair.notificationPage('../../index_state')).rejects.toThrow(/not a notification ID/);
    await expect(clair.indexReport('sha256:short')).rejects.toThrow(/not a sha256 or sha512/);
  });
});
