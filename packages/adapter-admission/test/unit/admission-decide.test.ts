import { describe, expect, it } from 'vitest';
import {
  type AdmissionDecision,
  ALLOW_ALL,
  decide,
  describeViolation,
  type ReviewedImage,
  resolveImages,
  type VulnerabilityVerdict,
} from '../../src/admission/index.js';
import { policy } from './admission-fixtures.js';

const noLatest = (action: 'Block' | 'Audit' = 'Block') =>
  policy('no-latest', { disallowLatestTag: { action } });
const registries = (list: string[], action: 'Block' | 'Audit' = 'Block') =>
  policy('registries', { allowedRegistries: { action, registries: list } });
const vulnerable = (unscannedImages: 'Allow' | 'Deny' = 'Deny', action: 'Block' | 'Audit' = 'Block') =>
  policy('cves', {
    blockVulnerableImages: { action, severityThreshold: 'High', unscannedImages, scanTimeoutSeconds: 3 },
  });

const container = (image: string, name = 'app'): ReviewedImage => ({
  image,
  container: name,
  source: 'container',
});

/** The decision as one line per violation, for readable tables. */
function summary(decision: AdmissionDecision) {
  return {
    allowed: decision.allowed,
    denials: decision.denials.map(describeViolation),
    warnings: decision.warnings.map(describeViolation),
    notices: decision.notices,
  };
}

describe('decide', () => {
  const clean: VulnerabilityVerdict = { status: 'scanned', counts: { Low: 3 }, worst: [] };
  const critical: VulnerabilityVerdict = {
    status: 'scanned',
    counts: { Critical: 2 },
    worst: [
      { id: 'CVE-2024-1', severity: 'Critical' },
      { id: 'CVE-2024-2', severity: 'Critical' },
    ],
  };

  it.each([
    ['no policy', [container('nginx')], [], new Map(), ALLOW_ALL],
    ['no image', [], [noLatest()], new Map(), ALLOW_ALL],
    [
      'latest, Block',
      [container('nginx:latest', 'web')],
      [noLatest()],
      new Map(),
      {
        allowed: false,
        denials: [
          'container web: image nginx:latest uses the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
        ],
        warnings: [],
        notices: [],
      },
    ],
    [
      'latest, Audit: allowed with a warning',
      [container('nginx', 'web')],
      [noLatest('Audit')],
      new Map(),
      {
        allowed: true,
        denials: [],
        warnings: [
          'container web: image nginx has no tag, so it runs the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
        ],
        notices: [],
      },
    ],
    [
      'a pinned image passes every rule',
      [container('docker.io/library/nginx:1.27')],
      [noLatest(), registries(['docker.io']), vulnerable()],
      new Map([['docker.io/library/nginx:1.27', clean]]),
      { allowed: true, denials: [], warnings: [], notices: [] },
    ],
    [
      'a registry outside the list',
      [container('quay.io/org/app:1')],
      [registries(['docker.io'])],
      new Map(),
      {
        allowed: false,
        denials: [
          'container app: image quay.io/org/app:1 comes from registry quay.io, which is not in allowedRegistries [docker.io] (policy registries, allowedRegistries)',
        ],
        warnings: [],
        notices: [],
      },
    ],
    [
      'a registry outside a list with path prefixes names the repository',
      [container('ghcr.io/other/app:1')],
      [registries(['ghcr.io/myorg', 'docker.io'])],
      new Map(),
      expect.objectContaining({
        denials: [
          'container app: image ghcr.io/other/app:1 comes from ghcr.io/other/app, which is under none of allowedRegistries [ghcr.io/myorg, docker.io] (policy registries, allowedRegistries)',
        ],
      }),
    ],
    [
      'vulnerable, keyed by the canonical reference',
      [container('nginx:1.25')],
      [vulnerable()],
      new Map([['docker.io/library/nginx:1.25', critical]]),
      expect.objectContaining({
        allowed: false,
        denials: [
          'container app: image nginx:1.25 has 2 Critical vulnerabilities (CVE-2024-1, CVE-2024-2) at or above the threshold High (policy cves, blockVulnerableImages)',
        ],
      }),
    ],
    [
      'a verdict under the written form is not used: verdicts are keyed canonically',
      [container('nginx:1.25')],
      [vulnerable()],
      new Map([['nginx:1.25', critical]]),
      expect.objectContaining({
        allowed: false,
        denials: [
          expect.stringContaining('has not been scanned for vulnerabilities yet (no scan result arrived)'),
        ],
      }),
    ],
    [
      'unscanned with Allow: a notice, no violation',
      [container('nginx:1.25'), container('nginx:1.25', 'sidecar')],
      [vulnerable('Allow')],
      new Map([['docker.io/library/nginx:1.25', { status: 'unscanned', reason: 'queued' }]]),
      {
        allowed: true,
        denials: [],
        warnings: [],
        notices: [
          'image nginx:1.25 was admitted without a vulnerability scan (queued); policy cves allows unscanned images',
        ],
      },
    ],
    [
      'an invalid reference breaks each policy once, at its strictest action',
      [container('Nginx:1.0')],
      [
        noLatest('Audit'),
        policy('mixed', {
          disallowLatestTag: { action: 'Audit' },
          allowedRegistries: { action: 'Block', registries: [] },
        }),
      ],
      new Map(),
      {
        allowed: false,
        denials: [
          'container app: image Nginx:1.0 is not a valid image reference (repository name "Nginx" must be lowercase); fix the image name (policy mixed, imageReference)',
        ],
        warnings: [
          'container app: image Nginx:1.0 is not a valid image reference (repository name "Nginx" must be lowercase); fix the image name (policy no-latest, imageReference)',
        ],
        notices: [],
      },
    ],
    [
      'an empty image is invalid too',
      [container('')],
      [noLatest()],
      new Map(),
      expect.objectContaining({
        allowed: false,
        denials: [expect.stringContaining('image (empty) is not a valid image reference (it is empty)')],
      }),
    ],
    [
      'a policy without rules breaks nothing, even with an invalid image',
      [container('Not Valid')],
      [policy('empty', {})],
      new Map(),
      { allowed: true, denials: [], warnings: [], notices: [] },
    ],
  ])('%s', (_name, images, policies, verdicts, expected) => {
    const decision = decide(resolveImages(images), policies, verdicts as Map<string, VulnerabilityVerdict>);
    expect(expected === ALLOW_ALL ? decision : summary(decision)).toEqual(expected);
  });

  it('lists image by image, then policy by policy, splitting Block from Audit', () => {
    const images = resolveImages([
      { image: 'busybox', container: 'init', source: 'initContainer' },
      container('quay.io/x/app:latest', 'app'),
      { image: 'ghcr.io/org/dbg:1', container: 'debug', source: 'ephemeralContainer' },
    ]);
    const decision = decide(images, [noLatest('Block'), registries(['docker.io'], 'Audit')]);
    expect(summary(decision)).toEqual({
      allowed: false,
      denials: [
        'init container init: image busybox has no tag, so it runs the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
        'container app: image quay.io/x/app:latest uses the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
      ],
      warnings: [
        'container app: image quay.io/x/app:latest comes from registry quay.io, which is not in allowedRegistries [docker.io] (policy registries, allowedRegistries)',
        'ephemeral container debug: image ghcr.io/org/dbg:1 comes from registry ghcr.io, which is not in allowedRegistries [docker.io] (policy registries, allowedRegistries)',
      ],
      notices: [],
    });
    expect(decision.denials[0]).toEqual({
      image: 'busybox',
      container: 'init',
      source: 'initContainer',
      policy: 'no-latest',
      rule: 'disallowLatestTag',
      action: 'Block',
      reason: 'has no tag, so it runs the mutable tag latest; pin a version or a digest',
    });
  });

  it('names images without containers on the ImageReview path', () => {
    const decision = decide(resolveImages([{ image: 'nginx:latest' }]), [noLatest()]);
    expect(summary(decision).denials).toEqual([
      'image nginx:latest uses the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
    ]);
  });
});
