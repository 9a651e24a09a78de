import type { ApiServerAccess } from '@nimbus-ts/k8s';
import { ObjectClient } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  SelfManagedCertificates,
  type SelfManagedCertificatesOptions,
} from '../../src/self-managed-certificates.js';

// Constructing talks to no API server; these options are refused before anything starts.
const unreachable: ApiServerAccess = {
  getCurrentCluster: () => ({ server: 'https://127.0.0.1:1' }),
  applyToHTTPSOptions: async () => undefined,
};
const client = new ObjectClient(unreachable, 'unit');
const base: SelfManagedCertificatesOptions = { namespace: 'ns', name: 'serving', hosts: ['svc.ns.svc'] };

describe('SelfManagedCertificates options', () => {
  it.each([
    ['a name longer than a label value', { name: 'x'.repeat(64) }, /ns\/x+: .*at most 63 characters.*Fix:/],
    ['no hosts', { hosts: [] }, /ns\/serving: no hosts\. Fix:/],
    [
      'a CA lifetime under a day',
      { caLifetimeMs: 3_600_000 },
      /caLifetimeMs 3600000 is too short\. Fix: use at least 86400000 ms/,
    ],
    [
      'a serving lifetime under an hour',
      { servingLifetimeMs: 60_000 },
      /servingLifetimeMs 60000 is too short/,
    ],
  ])('refuses %s', (_what, change, message) => {
    expect(() => new SelfManagedCertificates(client, { ...base, ...change })).toThrow(message);
  });

  it('accepts the shortest allowed lifetimes', () => {
    expect(
      () =>
        new SelfManagedCertificates(client, {
          ...base,
          caLifetimeMs: 86_400_000,
          servingLifetimeMs: 3_600_000,
        }),
    ).not.toThrow();
  });
});
