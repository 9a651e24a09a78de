import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  applyReady,
  isSyntheticUid,
  type Rendering,
  renderingAsList,
  renderingAsYaml,
  syntheticUid,
} from '../../src/index.js';

// The pure functions behind `nimbus render -o yaml|json`: what is left out so that `kubectl apply -f -` creates
// objects the garbage collector keeps, and the two shapes kubectl reads (a YAML stream, a v1 List).

const API = 'intent.security.nimbus.com/v1alpha1';
const REAL_UID = '3f2a7c9e-1b4d-4e8f-9a6b-5c0d1e2f3a4b';
const SIB_UID = syntheticUid('SecurityIntentBinding', 'shop', 'web');
const NP_UID = syntheticUid('NimbusPolicy', 'shop', 'web');

const ref = (kind: string, name: string, uid: string) => ({
  apiVersion: API,
  kind,
  name,
  uid,
  controller: true,
  blockOwnerDeletion: true,
});
const object = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}): KubernetesObject =>
  ({
    apiVersion: API,
    kind: 'NimbusPolicy',
    metadata: { name: 'web', namespace: 'shop', ...metadata },
    spec: { rules: [] },
    ...extra,
  }) as KubernetesObject;

describe('isSyntheticUid', () => {
  it.each([
    ['a made-up UID', syntheticUid('NimbusPolicy', 'shop', 'web'), true],
    ['a UID the API server handed out', REAL_UID, false],
    ['no UID', undefined, false],
    ['an empty UID', '', false],
  ])('%s → %s', (_, uid, expected) => {
    expect(isSyntheticUid(uid)).toBe(expected);
  });
});

describe('applyReady (an object as kubectl apply should get it)', () => {
  it.each<[string, KubernetesObject, { ownerReferences: boolean }, KubernetesObject]>([
    ['leaves out a made-up metadata.uid', object({ uid: NP_UID }), { ownerReferences: false }, object({})],
    [
      'leaves out owner references to rendered owners, and the empty list',
      object({ ownerReferences: [ref('SecurityIntentBinding', 'web', SIB_UID)] }),
      { ownerReferences: false },
      object({}),
    ],
    [
      'keeps an owner reference with a real UID from the input, dropping its made-up sibling',
      object({
        ownerReferences: [ref('SecurityIntentBinding', 'web', REAL_UID), ref('NimbusPolicy', 'x', NP_UID)],
      }),
      { ownerReferences: false },
      object({ ownerReferences: [ref('SecurityIntentBinding', 'web', REAL_UID)] }),
    ],
    [
      'leaves out an owner reference without a UID, which the API server refuses',
      object({ ownerReferences: [{ apiVersion: API, kind: 'SecurityIntentBinding', name: 'web' }] }),
      { ownerReferences: false },
      object({}),
    ],
    [
      'leaves out status and the fields the API server sets, of an object exported from a cluster',
      object(
        {
          uid: REAL_UID,
          resourceVersion: '4711',
          generation: 3,
          creationTimestamp: '2026-01-01T00:00:00Z',
          managedFields: [{ manager: 'nimbus-operator', operation: 'Apply' }],
          selfLink: '/apis/x',
          labels: { app: 'web' },
          annotations: { note: 'kept' },
        },
        { status: { status: 'Created' } },
      ),
      { ownerReferences: false },
      object({ labels: { app: 'web' }, annotations: { note: 'kept' } }),
    ],
    [
      '--owner-references keeps made-up UIDs and every owner reference',
      object({ uid: NP_UID, ownerReferences: [ref('SecurityIntentBinding', 'web', SIB_UID)] }),
      { ownerReferences: true },
      object({ uid: NP_UID, ownerReferences: [ref('SecurityIntentBinding', 'web', SIB_UID)] }),
    ],
    [
      '--owner-references still leaves out status and resourceVersion',
      object({ uid: REAL_UID, resourceVersion: '4711' }, { status: { status: 'Created' } }),
      { ownerReferences: true },
      object({ uid: REAL_UID }),
    ],
    [
      'changes nothing in an object that is already apply-ready',
      object({ labels: { app: 'web' } }),
      { ownerReferences: false },
      object({ labels: { app: 'web' } }),
    ],
  ])('%s', (_, input, options, expected) => {
    const before = structuredClone(input);
    expect(applyReady(input, options)).toEqual(expected);
    expect(input, 'the rendering is not changed').toEqual(before);
  });
});

describe('renderingAsList and renderingAsYaml', () => {
  const policy = {
    apiVersion: API,
    kind: 'NimbusPolicy',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: NP_UID,
      ownerReferences: [ref('SecurityIntentBinding', 'web', SIB_UID)],
    },
    spec: { selector: {}, rules: [] },
  } as unknown as Rendering['policies'][number]['policy'];
  const ksp = (name: string) => ({
    apiVersion: 'security.kubearmor.com/v1',
    kind: 'KubeArmorPolicy',
    metadata: { name, namespace: 'shop', ownerReferences: [ref('NimbusPolicy', 'web', NP_UID)] },
    spec: { action: 'Block' },
  });
  const rendering: Rendering = {
    policies: [
      {
        policy,
        from: 'SecurityIntentBinding shop/web',
        objects: [
          { adapter: 'kubearmor', object: ksp('web-a') },
          { adapter: 'kubearmor', object: ksp('web-b') },
        ],
      },
    ],
    notes: [{ severity: 'note', subject: 'adapter kubearmor', message: 'not in the List' }],
  };
  const bare = (o: { metadata: Record<string, unknown> }) => {
    const { uid: _, ownerReferences: __, ...metadata } = o.metadata;
    return { ...o, metadata };
  };

  it('prints a v1 List of every policy followed by its objects, without made-up UIDs', () => {
    expect(JSON.parse(renderingAsList(rendering, { ownerReferences: false }))).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: [bare(policy as never), bare(ksp('web-a')), bare(ksp('web-b'))],
    });
  });

  it('prints the made-up UIDs in the List with --owner-references', () => {
    const list = JSON.parse(renderingAsList(rendering, { ownerReferences: true })) as { items: unknown[] };
    expect(list.items).toEqual([policy, ksp('web-a'), ksp('web-b')]);
  });

  it('prints an empty List for an empty rendering', () => {
    expect(JSON.parse(renderingAsList({ policies: [], notes: [] }, { ownerReferences: false }))).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: [],
    });
  });

  it('prints a YAML stream with a header comment per object, without made-up UIDs', () => {
    const text = renderingAsYaml(rendering, { ownerReferences: false });
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual([
      bare(policy as never),
      bare(ksp('web-a')),
      bare(ksp('web-b')),
    ]);
    expect(text.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '# core-operator: NimbusPolicy/web from SecurityIntentBinding shop/web',
      '# kubearmor: KubeArmorPolicy/web-a from NimbusPolicy shop/web',
      '# kubearmor: KubeArmorPolicy/web-b from NimbusPolicy shop/web',
    ]);
    expect(text).not.toContain(NP_UID.slice(0, 24));
  });
});
