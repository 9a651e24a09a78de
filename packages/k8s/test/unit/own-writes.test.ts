import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { OwnWrites } from '../../src/runtime/own-writes.js';
import type { ResourceType } from '../../src/runtime/resource.js';

const R: ResourceType = { apiVersion: 'example.com/v1', kind: 'Widget', plural: 'widgets', namespaced: true };
const obj = (rv: string, uid = 'u1', name = 'w'): KubernetesObject => ({
  metadata: { name, namespace: 'ns', uid, resourceVersion: rv },
});

describe('OwnWrites', () => {
  it.each<{
    name: string;
    written: KubernetesObject | undefined;
    cached: KubernetesObject;
    fresh: 'written' | 'cached';
  }>([
    { name: 'nothing written: the cached object', written: undefined, cached: obj('5'), fresh: 'cached' },
    {
      name: 'the cache lags the write: the written object',
      written: obj('7'),
      cached: obj('5'),
      fresh: 'written',
    },
    { name: 'the cache caught up with the write', written: obj('7'), cached: obj('7'), fresh: 'cached' },
    { name: 'the cache is past the write', written: obj('7'), cached: obj('9'), fresh: 'cached' },
    {
      name: 'another object of the name (re-created)',
      written: obj('7', 'u1'),
      cached: obj('5', 'u2'),
      fresh: 'cached',
    },
    {
      name: 'versions that are not numbers: the cache',
      written: obj('b'),
      cached: obj('a'),
      fresh: 'cached',
    },
  ])('$name', ({ written, cached, fresh }) => {
    const own = new OwnWrites();
    if (written) own.remember(R, written);
    expect(own.freshest(R, cached)).toBe(fresh === 'written' ? written : cached);
  });

  it('forgets a write once the cache has caught up, and the oldest beyond its limit', () => {
    const own = new OwnWrites(1);
    own.remember(R, obj('7'));
    expect(own.freshest(R, obj('7'))).toEqual(obj('7'));
    // Forgotten: an older cached copy now comes back as it is.
    expect(own.freshest(R, obj('5')).metadata?.resourceVersion).toBe('5');
    own.remember(R, obj('8', 'u1', 'a'));
    own.remember(R, obj('8', 'u1', 'b'));
    expect(own.freshest(R, obj('5', 'u1', 'a')).metadata?.resourceVersion).toBe('5');
    expect(own.freshest(R, obj('5', 'u1', 'b')).metadata?.resourceVersion).toBe('8');
  });
});
