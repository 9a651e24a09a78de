import { describe, expect, it } from 'vitest';
import { coveredNamespaceSelector, coveredNamespaces } from '../../src/webhook/covered-namespaces.js';

const policy = (namespace: string | undefined, deleting = false) => ({
  metadata: {
    ...(namespace ? { namespace } : {}),
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
});

describe('coveredNamespaces', () => {
  it.each([
    ['no policy', [], []],
    ['one policy', [policy('shop')], ['shop']],
    ['two policies of one namespace, once', [policy('shop'), policy('shop')], ['shop']],
    ['several namespaces, sorted', [policy('web'), policy('api'), policy('shop')], ['api', 'shop', 'web']],
    ['not a policy being deleted', [policy('shop', true), policy('web')], ['web']],
    ['not an object without a namespace', [policy(undefined)], []],
  ])('%s', (_what, policies, covered) => {
    expect(coveredNamespaces(policies)).toEqual(covered);
  });
});

describe('coveredNamespaceSelector', () => {
  it.each([
    [
      'the covered namespaces by name',
      ['api', 'shop'],
      undefined,
      { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['api', 'shop'] }] },
    ],
    [
      'no namespace when none is covered',
      [],
      undefined,
      { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'DoesNotExist' }] },
    ],
    [
      'within a narrowing selector',
      ['shop'],
      {
        matchLabels: { team: 'a' },
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'web'] }],
      },
      {
        matchLabels: { team: 'a' },
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'web'] },
          { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] },
        ],
      },
    ],
  ])('selects %s', (_what, covered, narrowing, selector) => {
    expect(coveredNamespaceSelector(covered, narrowing)).toEqual(selector);
  });
});
