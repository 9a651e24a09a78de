import type { V1OwnerReference } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION, bindingOwner, type ClusterNimbusPolicy, type NimbusPolicy } from '../../src/index.js';

function ref(kind: string, overrides: Partial<V1OwnerReference> = {}): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind,
    name: 'binding',
    uid: `uid-${kind}`,
    controller: true,
    ...overrides,
  };
}

function nimbusPolicy(ownerReferences?: V1OwnerReference[]): NimbusPolicy {
  return {
    apiVersion: API_VERSION,
    kind: 'NimbusPolicy',
    metadata: { name: 'web', namespace: 'team-a', uid: 'uid-web', ownerReferences },
    spec: { selector: {}, rules: [] },
  };
}

function clusterPolicy(ownerReferences?: V1OwnerReference[]): ClusterNimbusPolicy {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterNimbusPolicy',
    metadata: { name: 'everywhere', uid: 'uid-everywhere', ownerReferences },
    spec: { rules: [] },
  };
}

const SIB = ref('SecurityIntentBinding');
const CSIB = ref('ClusterSecurityIntentBinding');
const deployment = ref('Deployment', { apiVersion: 'apps/v1' });

describe('bindingOwner', () => {
  it.each<{ name: string; refs: V1OwnerReference[] | undefined; nimbus: unknown; cluster: unknown }>([
    { name: 'a SecurityIntentBinding controller', refs: [SIB], nimbus: SIB, cluster: undefined },
    { name: 'a ClusterSecurityIntentBinding controller', refs: [CSIB], nimbus: CSIB, cluster: CSIB },
    { name: 'no owner references', refs: undefined, nimbus: undefined, cluster: undefined },
    { name: 'an empty owner list', refs: [], nimbus: undefined, cluster: undefined },
    {
      name: 'a binding owner that is not the controller',
      refs: [
        ref('SecurityIntentBinding', { controller: false }),
        ref('ClusterSecurityIntentBinding', { controller: undefined }),
      ],
      nimbus: undefined,
      cluster: undefined,
    },
    {
      name: 'a binding of another API version',
      refs: [
        ref('SecurityIntentBinding', { apiVersion: 'intent.security.nimbus.com/v1' }),
        ref('ClusterSecurityIntentBinding', { apiVersion: 'example.com/v1alpha1' }),
      ],
      nimbus: undefined,
      cluster: undefined,
    },
    { name: 'a controller of another kind', refs: [deployment], nimbus: undefined, cluster: undefined },
    {
      name: 'a nimbus kind that is not a binding',
      refs: [ref('SecurityIntent'), ref('NimbusPolicy')],
      nimbus: undefined,
      cluster: undefined,
    },
    {
      name: 'a binding controller after other owners',
      refs: [ref('SecurityIntentBinding', { controller: false, uid: 'not-this' }), deployment, CSIB],
      nimbus: CSIB,
      cluster: CSIB,
    },
  ])('for $name', ({ refs, nimbus, cluster }) => {
    expect(bindingOwner(nimbusPolicy(refs))).toEqual(nimbus);
    expect(bindingOwner(clusterPolicy(refs))).toEqual(cluster);
  });

  it('returns the reference itself, with its uid', () => {
    expect(bindingOwner(nimbusPolicy([deployment, SIB]))).toBe(SIB);
    expect(bindingOwner(nimbusPolicy([SIB]))?.uid).toBe('uid-SecurityIntentBinding');
  });

  it('is undefined for objects of other kinds', () => {
    expect(
      bindingOwner({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', ownerReferences: [SIB, CSIB] },
      }),
    ).toBeUndefined();
    expect(bindingOwner({ metadata: { name: 'x', ownerReferences: [SIB, CSIB] } })).toBeUndefined();
  });
});
