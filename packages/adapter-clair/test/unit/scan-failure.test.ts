import { describe, expect, it } from 'vitest';
import { MANIFEST_MEDIA_TYPES } from '../../src/registry/manifest-document.js';
import { RegistryClient } from '../../src/registry/registry-client.js';
import { resolveImage } from '../../src/registry/resolve.js';
import { scanFailure } from '../../src/scanner/scan-failure.js';
import { fakeRegistry, sha256 } from './support/fake-registry.js';

// How a failed scan reads in the ScanFailed condition, from the errors the real registry client raises against a
// fake registry: the image is named once.

const DIGEST = sha256('a manifest the registry no longer has');
const INDEX_CHILD = sha256('a platform manifest the registry lost');
const IMAGE = `registry.example/team/app@${DIGEST}`;

/** The error `run` rejects with. */
const errorOf = (run: () => Promise<unknown>) =>
  run().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

/** The errors of the cases below, made by the registry client. */
async function errors() {
  const open = fakeRegistry({ auth: 'none' });
  const client = RegistryClient.forRegistry('registry.example', undefined, { fetch: open.fetch });
  // An index whose linux/amd64 manifest is gone.
  const index = open.putManifest(
    'team/app',
    {
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPES.ociIndex,
      manifests: [
        {
          mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
          digest: INDEX_CHILD,
          size: 1,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    },
    MANIFEST_MEDIA_TYPES.ociIndex,
  );
  const guarded = fakeRegistry();
  const wrongPassword = RegistryClient.forRegistry(
    'registry.example',
    { username: 'user', password: 'wrong' },
    { fetch: guarded.fetch },
  );
  return {
    index,
    notFound: await errorOf(() => client.getManifest('team/app', DIGEST)),
    platformNotFound: await errorOf(() =>
      resolveImage(client, { registry: 'registry.example', repository: 'team/app', digest: index }),
    ),
    refused: await errorOf(() => wrongPassword.getManifest('team/app', DIGEST)),
  };
}

describe('scanFailure', () => {
  it('names the image once when the registry’s message already names it (404 of a manifest by digest)', async () => {
    const { notFound } = await errors();
    expect(scanFailure(IMAGE, notFound).text).toBe(
      `${IMAGE}: reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)`,
    );
  });

  it('keeps the platform a registry message names after the image (404 of an index’s manifest)', async () => {
    const { index, platformNotFound } = await errors();
    const image = `registry.example/team/app@${index}`;
    expect(scanFailure(image, platformNotFound).text).toBe(
      `${image} (linux/amd64): reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)`,
    );
  });

  it('puts the image first when the message does not name it (a token endpoint refusing), then the hint', async () => {
    const { refused } = await errors();
    const hint = ' (imagePullSecret regcred does not exist in shop; create it)';
    expect(scanFailure(IMAGE, refused, hint).text).toBe(
      `${IMAGE}: registry token endpoint https://auth.example/token answered 401: bad credentials (the registry refused the username "user": the imagePullSecret for registry.example is wrong or expired)${hint}`,
    );
  });
});
