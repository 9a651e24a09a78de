import { ClairError } from '@nimbus-ts/clair-client';
import { RegistryClient } from '@nimbus-ts/registry';
import { fakeRegistry } from '@nimbus-ts/registry/testing';
import { describe, expect, it } from 'vitest';
import { type BlockVulnerableImagesRule, judgeVulnerabilities } from '../../src/admission/index.js';
import { unscannedVerdict } from '../../src/webhook/image-verdicts.js';

// What a denial says about an image the webhook could not judge, from the errors the real registry client raises
// against a fake registry: the image is named once (the denial names it already), and an image the registry
// will not serve with the credentials at hand is refused with the fix — a pull secret — not with "retry".

const IMAGE = 'registry.example/team/app:1.0';
const deny: BlockVulnerableImagesRule = {
  action: 'Block',
  severityThreshold: 'High',
  unscannedImages: 'Deny',
  scanTimeoutSeconds: 5,
};
const allow: BlockVulnerableImagesRule = { ...deny, unscannedImages: 'Allow' };

/** The error the registry client raises reading `team/app:1.0` from a registry set up by `options`. */
async function readingFails(
  options: Parameters<typeof fakeRegistry>[0],
  credentials?: { username: string; password: string },
  status?: number,
): Promise<unknown> {
  const registry = fakeRegistry(options);
  if (status) registry.override('/v2/team/app/manifests/1.0', () => new Response('', { status }));
  const client = RegistryClient.forRegistry('registry.example', credentials, { fetch: registry.fetch });
  return client.getManifest('team/app', '1.0').then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('an image the webhook could not judge', () => {
  it.each([
    [
      'a tag the registry does not have (404): the image is named once',
      () => readingFails({ auth: 'none' }),
      deny,
      'has not been scanned for vulnerabilities yet (reading the manifest failed, registry answered 404 (MANIFEST_UNKNOWN manifest unknown): registry.example does not have it (deleted, or only ever on the node?)); unscannedImages is Deny, so retry once the scan has finished',
    ],
    [
      'a registry that wants a login the pod does not have (401)',
      () => readingFails({ auth: 'basic' }),
      deny,
      'could not be read from registry.example with the credentials available (reading the manifest failed, registry answered 401), so it has not been scanned for vulnerabilities; unscannedImages is Deny: give the pod or its ServiceAccount an imagePullSecret for registry.example that can pull it',
    ],
    [
      'a token endpoint refusing the pod’s credentials (401)',
      () => readingFails({}, { username: 'user', password: 'wrong' }),
      deny,
      'could not be read from registry.example with the credentials available (registry token endpoint https://auth.example/token answered 401: bad credentials), so it has not been scanned for vulnerabilities; unscannedImages is Deny: give the pod or its ServiceAccount an imagePullSecret for registry.example that can pull it',
    ],
    [
      'credentials that may not pull the repository (403)',
      () => readingFails({ auth: 'none' }, undefined, 403),
      deny,
      'could not be read from registry.example with the credentials available (reading the manifest failed, registry answered 403), so it has not been scanned for vulnerabilities; unscannedImages is Deny: give the pod or its ServiceAccount an imagePullSecret for registry.example that can pull it',
    ],
    [
      'unreadable, and unscanned images allowed: admitted with the same fix',
      () => readingFails({ auth: 'basic' }),
      allow,
      'was admitted without a vulnerability scan: it could not be read from registry.example with the credentials available (reading the manifest failed, registry answered 401); give the pod or its ServiceAccount an imagePullSecret for registry.example that can pull it',
    ],
    [
      'Clair down: retrying helps',
      async () =>
        new ClairError('GET /indexer/api/v1/index_state: cannot reach Clair', {
          kind: 'unavailable',
          operation: 'GET /indexer/api/v1/index_state',
        }),
      deny,
      'has not been scanned for vulnerabilities yet (Clair could not scan it (unavailable)); unscannedImages is Deny, so retry once the scan has finished',
    ],
  ] as const)('%s', async (_name, fail, rule, reason) => {
    const verdict = unscannedVerdict(IMAGE, await fail());
    expect(judgeVulnerabilities(verdict, rule)).toEqual({
      outcome: rule.unscannedImages === 'Deny' ? 'violation' : 'unscanned-allowed',
      reason,
    });
  });
});
