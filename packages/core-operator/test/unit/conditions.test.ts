import { defaultRegistry } from '@nimbus-ts/idpool';
import { ApiError, type ConditionInput } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { intentSupported, POLICY_REJECTED, policyRejected } from '../../src/build/conditions.js';

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

describe('policyRejected', () => {
  const where = 'NimbusPolicy shop/web';
  const refused = (code: number, reason: string, message: string) =>
    ApiError.from(`create ${where}`, code, JSON.stringify({ kind: 'Status', reason, message }));

  it.each([
    ['too large for etcd (500)', refused(500, '', 'etcdserver: request is too large'), /split the binding/],
    [
      "too large for the API server's etcd client (500)",
      refused(
        500,
        '',
        'rpc error: code = ResourceExhausted desc = trying to send message larger than max (2472966 vs. 2097152)',
      ),
      /split the binding/,
    ],
    [
      'too large for the API server (413)',
      refused(413, 'RequestEntityTooLarge', 'Request entity too large'),
      /split the binding/,
    ],
    [
      'schema-invalid (422)',
      refused(422, 'Invalid', 'spec.rules[0].id: Invalid value'),
      /fix the field the message names/,
    ],
    [
      'denied by admission (403)',
      refused(403, 'Forbidden', 'ValidatingAdmissionPolicy denied'),
      /admission policy or webhook/,
    ],
    [
      'refused otherwise (503)',
      refused(503, 'ServiceUnavailable', 'etcd leader changed'),
      /retries with backoff/,
    ],
  ])('names the refusal and the fix when %s', (_, error, fix) => {
    const condition = policyRejected(error, where, 3);
    expect(condition).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: POLICY_REJECTED,
      observedGeneration: 3,
    });
    expect(condition?.message).toContain(`the API server refused ${where} (${error.message})`);
    expect(condition?.message).toMatch(fix);
  });

  it.each([
    ['a conflict, retried where it happens', refused(409, 'Conflict', 'the object has been modified')],
    ['throttling', refused(429, 'TooManyRequests', 'slow down')],
    ['a network error', new Error('connect ECONNREFUSED 127.0.0.1:6443')],
  ])('is no refusal for %s', (_, error) => {
    expect(policyRejected(error, where, 1)).toBeUndefined();
  });
});
