import { defaultRegistry } from '@nimbus-ts/idpool';
import type { ConditionInput } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { intentSupported } from '../../src/build/conditions.js';

// The IntentSupported condition of a SecurityIntent: known from the ID pool, or from what running adapters
// announce on their Leases (third-party IDs); flagged only when neither knows the ID.

const adapters = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([name, ids]) => [name, new Set(ids)]));

describe('intentSupported', () => {
  it.each<{ name: string; id: string; running: Record<string, string[]>; expected: Partial<ConditionInput> }>(
    [
      {
        name: 'an ID of the pool, whatever runs',
        id: 'dnsManipulation',
        running: {},
        expected: {
          status: 'True',
          reason: 'KnownIntentID',
          message: 'intent ID dnsManipulation is supported by: kubearmor, netpol',
        },
      },
      {
        name: 'an alias of the pool',
        id: 'pkgMgrs',
        running: {},
        expected: { status: 'True', reason: 'KnownIntentID' },
      },
      {
        name: 'a third-party ID its running adapter announces',
        id: 'acmeGuard',
        running: { kubearmor: ['dnsManipulation'], acme: ['acmeGuard'] },
        expected: {
          status: 'True',
          reason: 'KnownIntentID',
          message:
            'intent ID acmeGuard is not in the ID pool; the running adapter acme announces it and enforces it',
        },
      },
      {
        name: 'a third-party ID two running adapters announce',
        id: 'acmeGuard',
        running: { zeta: ['acmeGuard'], acme: ['acmeGuard', 'other'] },
        expected: {
          status: 'True',
          reason: 'KnownIntentID',
          message:
            'intent ID acmeGuard is not in the ID pool; the running adapters acme, zeta announce it and enforce it',
        },
      },
      {
        name: 'an ID nobody knows',
        id: 'acmeGuard',
        running: { kubearmor: ['dnsManipulation'] },
        expected: {
          status: 'False',
          reason: 'UnknownIntentID',
          message:
            'intent ID acmeGuard is neither in the ID pool nor announced by a running adapter, so nothing enforces it. ' +
            'If a third-party adapter handles it, deploy that adapter (this turns True once it runs); otherwise check ' +
            'the spelling against the ID pool (packages/idpool/README.md)',
        },
      },
      {
        name: 'IDs are matched exactly, as the CRD and adapters match them',
        id: 'AcmeGuard',
        running: { acme: ['acmeGuard'] },
        expected: { status: 'False', reason: 'UnknownIntentID' },
      },
    ],
  )('$name', ({ id, running, expected }) => {
    expect(intentSupported(id, defaultRegistry, adapters(running), 4)).toEqual({
      type: 'IntentSupported',
      observedGeneration: 4,
      ...expected,
      message: expected.message ?? expect.any(String),
    });
  });
});
