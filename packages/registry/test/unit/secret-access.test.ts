import { ApiError } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { secretAccessError } from '../../src/secret-access.js';

describe('secretAccessError', () => {
  it('turns a 403 into the namespace, the Secret and the command that grants the read', () => {
    const forbidden = ApiError.from(
      'get Secret shop/regcred',
      403,
      JSON.stringify({ reason: 'Forbidden', message: 'secrets "regcred" is forbidden' }),
    );
    const error = secretAccessError(
      forbidden,
      'shop',
      'regcred',
      'nimbus-system:nimbus-admission',
      'nimbus-admission-secret-reader',
    ) as Error;
    expect(error.message).toBe(
      'nimbus-system:nimbus-admission may not read Secret shop/regcred (HTTP 403 Forbidden): namespace shop ' +
        'has not bound ClusterRole nimbus-admission-secret-reader to it. Fix: kubectl -n shop create rolebinding ' +
        'nimbus-admission-secret-reader --clusterrole=nimbus-admission-secret-reader ' +
        '--serviceaccount=nimbus-system:nimbus-admission',
    );
    expect(error.cause).toBe(forbidden);
  });

  it.each([
    ['another API error', ApiError.from('get Secret shop/regcred', 500, 'boom')],
    ['a network error', new Error('ECONNREFUSED')],
  ])('leaves %s as it is', (_what, error) => {
    expect(
      secretAccessError(error, 'shop', 'regcred', 'nimbus-system:nimbus-clair', 'nimbus-clair-secret-reader'),
    ).toBe(error);
  });
});
