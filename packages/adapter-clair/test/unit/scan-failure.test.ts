import { ClairError } from '@nimbus-ts/clair-client';
import { MANIFEST_MEDIA_TYPES, RegistryClient, resolveImage } from '@nimbus-ts/registry';
import { fakeRegistry, sha256 } from '@nimbus-ts/registry/testing';
import { describe, expect, it } from 'vitest';
import { scanFailure } from '../../src/scanner/scan-failure.js';

// How a failed scan reads in the ScanFailed condition and in the log, from the errors the real registry client
// raises against a fake registry: the image is named once, and what went wrong decides the log level.

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
    expect(scanFailure(IMAGE, notFound)).toEqual({
      text: `${IMAGE}: reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)`,
      reason:
        'reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)',
      level: 'warn',
    });
  });

  it('keeps the platform a registry message names after the image (404 of an index’s manifest)', async () => {
    const { index, platformNotFound } = await errors();
    const image = `registry.example/team/app@${index}`;
    const reason = `${image} (linux/amd64): reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)`;
    expect(scanFailure(image, platformNotFound)).toEqual({ text: reason, reason, level: 'warn' });
  });

  it('puts the image first when the message does not name it (a token endpoint refusing), then the hint', async () => {
    const { refused } = await errors();
    const hint = ' (imagePullSecret regcred does not exist in shop; create it)';
    const reason = `registry token endpoint https://auth.example/token answered 401: bad credentials (the registry refused the username "user": the imagePullSecret for registry.example is wrong or expired)${hint}`;
    expect(scanFailure(IMAGE, refused, hint)).toEqual({ text: `${IMAGE}: ${reason}`, reason, level: 'warn' });
  });

  it.each([
    [
      'Clair unreachable: warn, it is the environment',
      new ClairError(
        'GET /indexer/api/v1/index_report/x: cannot reach Clair at http://clair:6060: ECONNREFUSED',
        {
          kind: 'unavailable',
          operation: 'GET /indexer/api/v1/index_report/x',
        },
      ),
      'GET /indexer/api/v1/index_report/x: cannot reach Clair at http://clair:6060: ECONNREFUSED',
      'warn',
    ],
    [
      'anything else is unexpected: error',
      new TypeError("Cannot read properties of undefined (reading 'layers')"),
      "Cannot read properties of undefined (reading 'layers')",
      'error',
    ],
    ['not even an Error', 'a string', 'a string', 'error'],
  ] as const)('%s', (_name, error, reason, level) => {
    expect(scanFailure(IMAGE, error)).toEqual({ text: `${IMAGE}: ${reason}`, reason, level });
  });
});
