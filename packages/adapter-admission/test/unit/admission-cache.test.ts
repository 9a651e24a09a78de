import { describe, expect, it } from 'vitest';
import {
  DecisionCache,
  decisionKey,
  type ReviewedImage,
  type VulnerabilityVerdict,
  verdictFingerprint,
} from '../../src/admission/index.js';
import { policy } from './admission-fixtures.js';

describe('DecisionCache', () => {
  function clocked(options: { maxEntries?: number; ttlMs?: number } = {}) {
    let now = 1_000;
    const cache = new DecisionCache<string>({ ...options, now: () => now });
    return { cache, advance: (ms: number) => (now += ms) };
  }

  it('returns what was stored until the TTL has passed, and nothing after', () => {
    const { cache, advance } = clocked({ ttlMs: 100 });
    cache.set('k', 'v');
    advance(99);
    expect(cache.get('k')).toBe('v');
    advance(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not extend the TTL on a hit', () => {
    const { cache, advance } = clocked({ ttlMs: 100 });
    cache.set('k', 'v');
    advance(60);
    expect(cache.get('k')).toBe('v');
    advance(60);
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond its size, a hit counting as a use', () => {
    const { cache } = clocked({ maxEntries: 2 });
    cache.set('a', '1');
    cache.set('b', '2');
    expect(cache.get('a')).toBe('1');
    cache.set('c', '3');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('1');
    expect(cache.get('c')).toBe('3');
    expect(cache.size).toBe(2);
  });

  it('replaces a value stored again, with a fresh TTL, without growing', () => {
    const { cache, advance } = clocked({ ttlMs: 100, maxEntries: 5 });
    cache.set('k', 'old');
    advance(80);
    cache.set('k', 'new');
    advance(80);
    expect(cache.get('k')).toBe('new');
    expect(cache.size).toBe(1);
  });

  it('stays within its bound under many keys', () => {
    const { cache } = clocked({ maxEntries: 16 });
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, `${i}`);
    expect(cache.size).toBe(16);
    expect(cache.get('k999')).toBe('999');
    expect(cache.get('k983')).toBeUndefined();
  });

  it('remembers: computes on a miss, answers from the cache on a hit', () => {
    const { cache } = clocked();
    let computed = 0;
    const compute = () => `value ${++computed}`;
    expect(cache.remember('k', compute)).toBe('value 1');
    expect(cache.remember('k', compute)).toBe('value 1');
    expect(cache.remember('other', compute)).toBe('value 2');
    expect(computed).toBe(2);
  });

  it('keeps nothing with size 0, and forgets everything on clear', () => {
    const none = clocked({ maxEntries: 0 }).cache;
    none.set('k', 'v');
    expect(none.get('k')).toBeUndefined();
    const { cache } = clocked();
    cache.set('k', 'v');
    cache.clear();
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('verdictFingerprint', () => {
  const scanned = (counts: Record<string, number>, worst: { id: string; severity: string }[] = []) =>
    ({ status: 'scanned', counts, worst }) as VulnerabilityVerdict;

  it.each([
    ['absent', undefined, '-'],
    ['unscanned', { status: 'unscanned', reason: 'queued' } as VulnerabilityVerdict, 'u:queued'],
    [
      'unreadable (the denial differs: it names the fix)',
      { status: 'unscanned', reason: 'queued', unreadableFrom: 'ghcr.io' } as VulnerabilityVerdict,
      'r:ghcr.io:queued',
    ],
    ['clean', scanned({}), 's:0,0,0,0,0,0:'],
    [
      'counts in severity order',
      scanned({ Critical: 1, Unknown: 2 }, [{ id: 'CVE-1', severity: 'Critical' }]),
      's:2,0,0,0,0,1:CVE-1=Critical',
    ],
  ])('%s → %s', (_name, verdict, expected) => {
    expect(verdictFingerprint(verdict)).toBe(expected);
  });

  it('does not depend on the order of the counts object', () => {
    expect(verdictFingerprint(scanned({ High: 1, Low: 2 }))).toBe(
      verdictFingerprint(scanned({ Low: 2, High: 1 })),
    );
  });
});

describe('decisionKey: equal exactly when the decision inputs are', () => {
  const images: ReviewedImage[] = [{ image: 'nginx:1.27', container: 'web', source: 'container' }];
  const p = policy('p', { disallowLatestTag: { action: 'Block' } });
  const base = decisionKey(images, [p]);
  const verdict: VulnerabilityVerdict = { status: 'scanned', counts: { High: 1 }, worst: [] };
  const withVerdict = (v: VulnerabilityVerdict | undefined) =>
    decisionKey(
      images,
      [p],
      ['docker.io/library/nginx:1.27'],
      new Map(v ? [['docker.io/library/nginx:1.27', v]] : []),
    );

  it.each([
    ['another generation of the policy', decisionKey(images, [policy('p', {}, { generation: 2 })])],
    ['another policy uid (deleted and re-created)', decisionKey(images, [policy('p', {}, { uid: 'new' })])],
    ['another policy name', decisionKey(images, [policy('q', {}, { uid: 'uid-p' })])],
    ['one more policy', decisionKey(images, [p, policy('q', {})])],
    ['another image', decisionKey([{ ...images[0], image: 'nginx:1.28' } as ReviewedImage], [p])],
    ['another container name', decisionKey([{ ...images[0], container: 'api' } as ReviewedImage], [p])],
    [
      'another container list',
      decisionKey([{ ...images[0], source: 'initContainer' } as ReviewedImage], [p]),
    ],
    ['the same image without container (ImageReview)', decisionKey([{ image: 'nginx:1.27' }], [p])],
    ['a verdict', withVerdict(verdict)],
    ['an image that would need a separator to tell apart', decisionKey([{ image: 'nginx:1.27","web' }], [p])],
  ])('differs for %s', (_name, key) => {
    expect(key).not.toBe(base);
  });

  it('differs when a verdict changes, and not when it is the same', () => {
    expect(withVerdict(verdict)).toBe(withVerdict({ ...verdict }));
    expect(withVerdict(verdict)).not.toBe(withVerdict({ ...verdict, counts: { High: 2 } }));
    expect(withVerdict(verdict)).not.toBe(withVerdict({ status: 'unscanned', reason: 'queued' }));
    expect(withVerdict(undefined)).not.toBe(withVerdict({ status: 'unscanned', reason: 'queued' }));
  });

  it('keys a policy without uid or generation by its spec', () => {
    const unversioned = (action: 'Block' | 'Audit') =>
      policy('p', { disallowLatestTag: { action } }, { uid: undefined, generation: undefined });
    expect(decisionKey(images, [unversioned('Block')])).toBe(decisionKey(images, [unversioned('Block')]));
    expect(decisionKey(images, [unversioned('Block')])).not.toBe(decisionKey(images, [unversioned('Audit')]));
  });

  it('is the same for equal inputs', () => {
    expect(
      decisionKey(
        images.map((i) => ({ ...i })),
        [policy('p', { disallowLatestTag: { action: 'Block' } })],
      ),
    ).toBe(base);
  });
});
