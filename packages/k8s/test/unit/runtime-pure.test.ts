import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Action } from '../../src/runtime/action.js';
import { Backoff } from '../../src/runtime/backoff.js';
import { findCondition, removeCondition, setCondition, setConditions } from '../../src/runtime/conditions.js';
import { ownedFieldsEqual, withOwnedFields } from '../../src/runtime/object-client.js';
import { collectionPath, objectPath, parseKey, refKey } from '../../src/runtime/resource.js';
import { semanticEqual } from '../../src/runtime/semantic-equal.js';
import { createStore } from '../../src/runtime/store.js';

describe('Backoff', () => {
  it('doubles from 800 ms to a 30 s cap without jitter, and starts over after reset', () => {
    const b = new Backoff({ jitter: 0 });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    expect(b.attempts).toBe(8);
    b.reset();
    expect(b.next()).toBe(800);
  });

  it.each([
    [0, 720],
    [0.5, 800],
    [0.999999, 880],
  ])('keeps jitter within ±10%% (random %f → %i ms)', (r, expected) => {
    expect(new Backoff({ random: () => r }).next()).toBe(expected);
  });
});

describe('Action', () => {
  it('carries a requeue delay, or none for awaitChange', () => {
    expect(Action.requeue(5000).requeueAfterMs).toBe(5000);
    expect(Action.awaitChange().requeueAfterMs).toBeUndefined();
    expect(() => Action.requeue(-1)).toThrow(RangeError);
  });
});

describe('resource paths and keys', () => {
  const np = {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    plural: 'nimbuspolicies',
    namespaced: true,
  };
  const ns = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
  it.each([
    [collectionPath(np), '/apis/intent.security.nimbus.com/v1alpha1/nimbuspolicies'],
    [collectionPath(np, 'a'), '/apis/intent.security.nimbus.com/v1alpha1/namespaces/a/nimbuspolicies'],
    [
      objectPath(np, { namespace: 'a', name: 'p' }),
      '/apis/intent.security.nimbus.com/v1alpha1/namespaces/a/nimbuspolicies/p',
    ],
    [objectPath(ns, { name: 'kube-system' }), '/api/v1/namespaces/kube-system'],
    [collectionPath(ns, 'ignored'), '/api/v1/namespaces'],
  ])('%s', (actual, expected) => expect(actual).toBe(expected));

  it('refuses a namespaced reference without namespace', () => {
    expect(() => objectPath(np, { name: 'p' })).toThrow(/NimbusPolicy p is namespaced/);
  });

  it('round-trips keys', () => {
    for (const ref of [{ namespace: 'a', name: 'b' }, { name: 'c' }])
      expect(parseKey(refKey(ref))).toEqual(ref);
  });
});

describe('semanticEqual', () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: {} }, {}, true],
    [{ a: [] }, { a: null }, true],
    [{ labels: {} }, { labels: { x: '' } }, false],
    [[1, 2], [2, 1], false],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    ['x', 'x', true],
    [0, false, false],
  ])('%j vs %j → %s', (a, b, expected) => expect(semanticEqual(a, b)).toBe(expected));
});

describe('owned fields of a child object', () => {
  const owner = {
    apiVersion: 'v1',
    kind: 'X',
    name: 'o',
    uid: 'u',
    controller: true,
    blockOwnerDeletion: true,
  };
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n', labels: { a: '1' }, ownerReferences: [owner] },
    spec: { x: 1 },
  };
  const live = {
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: '7', uid: 'c-uid', annotations: { other: 'keep' } },
    status: { phase: 'Ok' },
  };

  it('ignores server-set metadata, status and foreign annotations', () => {
    expect(ownedFieldsEqual(desired, live)).toBe(true);
  });

  it.each([
    ['spec', { ...desired, spec: { x: 2 } }],
    ['labels', { ...desired, metadata: { ...desired.metadata, labels: { a: '2' } } }],
    ['owner references', { ...desired, metadata: { ...desired.metadata, ownerReferences: [] } }],
    ['other content (data)', { ...desired, data: { k: 'v' } }],
    ['a desired annotation', { ...desired, metadata: { ...desired.metadata, annotations: { mine: 'x' } } }],
  ])('sees a difference in %s', (_what, changed) => {
    expect(ownedFieldsEqual(changed, live)).toBe(false);
  });

  it('merges desired into live, keeping resourceVersion, status and foreign annotations', () => {
    const merged = withOwnedFields<typeof live>(live, { ...live, spec: { x: 9 } });
    expect(merged.spec).toEqual({ x: 9 });
    expect(merged.metadata.resourceVersion).toBe('7');
    expect(merged.metadata.annotations).toEqual({ other: 'keep' });
    expect(merged.metadata.labels).toEqual({ a: '1' });
    expect(merged.status).toEqual({ phase: 'Ok' });
  });
});

describe('conditions', () => {
  const t1 = () => new Date('2026-01-01T00:00:00Z');
  const t2 = () => new Date('2026-01-02T00:00:00Z');
  const ready = {
    type: 'Ready',
    status: 'True' as const,
    reason: 'Built',
    message: 'ok',
    observedGeneration: 1,
  };

  it('keeps the transition time while the status stays the same, so re-setting changes nothing', () => {
    const first = setCondition(undefined, ready, t1);
    const again = setCondition(first, { ...ready, message: 'still ok', observedGeneration: 2 }, t2);
    expect(again).toHaveLength(1);
    expect(again[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00.000Z');
    expect(again[0]?.message).toBe('still ok');
    expect(setCondition(first, ready, t2)).toEqual(first);
  });

  it('sets several conditions in order, equal to nested setCondition calls', () => {
    const other = { ...ready, type: 'Other', status: 'False' as const };
    expect(setConditions(undefined, [ready, other], t1)).toEqual(
      setCondition(setCondition(undefined, ready, t1), other, t1),
    );
    expect(setConditions(setConditions(undefined, [ready, other], t1), [ready, other], t2)).toEqual(
      setConditions(undefined, [ready, other], t1),
    );
  });

  it('moves the transition time when the status flips, and leaves other types alone', () => {
    const list = setCondition(setCondition(undefined, ready, t1), { ...ready, type: 'Other' }, t1);
    const flipped = setCondition(list, { ...ready, status: 'False', reason: 'Broken' }, t2);
    expect(findCondition(flipped, 'Ready')?.lastTransitionTime).toBe('2026-01-02T00:00:00.000Z');
    expect(findCondition(flipped, 'Other')).toEqual(findCondition(list, 'Other'));
    expect(removeCondition(flipped, 'Ready').map((c) => c.type)).toEqual(['Other']);
  });
});

describe('store', () => {
  const cm = (ns: string, name: string, rv = '1') => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: ns, name, resourceVersion: rv },
  });

  it('is ready after the first replace, and reports what a re-list no longer has', async () => {
    const [store, writer] = createStore();
    expect(store.ready).toBe(false);
    expect(writer.replace([cm('a', 'x'), cm('b', 'y')])).toEqual([]);
    await store.waitUntilReady();
    expect(store.list('a').map((o) => o.metadata?.name)).toEqual(['x']);
    expect(writer.apply(cm('a', 'x', '2'))?.metadata?.resourceVersion).toBe('1');
    expect(store.get({ namespace: 'a', name: 'x' })?.metadata?.resourceVersion).toBe('2');
    expect(writer.replace([cm('b', 'y')]).map((o) => o.metadata?.name)).toEqual(['x']);
    expect(store.get({ namespace: 'a', name: 'x' })).toBeUndefined();
  });

  it('finds the objects of a controller through an index that every write keeps in step', () => {
    const owned = (name: string, uid: string | undefined, controller = true) => ({
      ...cm('a', name),
      metadata: {
        ...cm('a', name).metadata,
        ...(uid
          ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Owner', name: uid, uid, controller }] }
          : {}),
      },
    });
    const names = (objects: readonly { metadata?: { name?: string } }[]) =>
      objects.map((o) => o.metadata?.name);
    const [store, writer] = createStore<KubernetesObject & { data?: Record<string, string> }>();
    writer.replace([
      owned('x', 'p'),
      owned('y', 'p'),
      owned('z', 'q'),
      owned('w', 'p', false),
      owned('v', undefined),
    ]);
    // An owner reference that is not the controller's does not count.
    expect(names(store.controlledBy('p'))).toEqual(['x', 'y']);
    expect(names(store.controlledBy('q'))).toEqual(['z']);
    // A new version under the same controller is what the index returns.
    writer.apply({ ...owned('x', 'p'), data: { v: '2' } });
    expect(store.controlledBy('p').map((o) => o.data)).toEqual([{ v: '2' }, undefined]);
    // A change of controller moves the object; a delete removes it; an unknown uid has nothing.
    writer.apply(owned('y', 'q'));
    expect(names(store.controlledBy('p'))).toEqual(['x']);
    expect(names(store.controlledBy('q'))).toEqual(['z', 'y']);
    writer.delete(owned('z', 'q'));
    expect(names(store.controlledBy('q'))).toEqual(['y']);
    writer.apply(owned('y', undefined));
    expect(store.controlledBy('q')).toEqual([]);
    // A re-list rebuilds the index from what the list holds.
    writer.replace([owned('n', 'q')]);
    expect(store.controlledBy('p')).toEqual([]);
    expect(names(store.controlledBy('q'))).toEqual(['n']);
    expect(store.controlledBy('nobody')).toEqual([]);
  });
});
