import { ConcurrencyLimiter, SingleFlight } from '@nimbus-ts/clair-client';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ScanMetrics } from '../../src/scanner/metrics.js';
import { DEFAULT_NAMESPACE_FILTER, namespaceVerdict } from '../../src/scanner/namespace-filter.js';
import { IGNORE_UNFIXED_ANNOTATION, podsIgnoreUnfixed, type ScannedPod } from '../../src/scanner/plan.js';
import { retryDelayMs } from '../../src/scanner/retry-delay.js';

/** A promise and the functions that settle it, to control when work finishes. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of one key and shares the result', async () => {
    const flight = new SingleFlight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const work = () => {
      calls++;
      return gate.promise;
    };
    const results = Array.from({ length: 50 }, () => flight.do('sha256:a', work));
    expect(flight.size).toBe(1);
    gate.resolve('report');
    expect(await Promise.all(results)).toEqual(Array(50).fill('report'));
    expect(calls).toBe(1);
    expect(flight.size).toBe(0);
  });

  it('keeps keys apart, and runs again once the first call has finished', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    const work = async () => ++calls;
    expect(await Promise.all([flight.do('a', work), flight.do('b', work)])).toEqual([1, 2]);
    expect(await flight.do('a', work)).toBe(3);
  });

  it('shares a failure with every waiting caller, then forgets it', async () => {
    const flight = new SingleFlight<number>();
    const gate = deferred<number>();
    const both = [flight.do('a', () => gate.promise), flight.do('a', () => gate.promise)];
    gate.reject(new Error('clair down'));
    for (const p of both) await expect(p).rejects.toThrow('clair down');
    expect(await flight.do('a', async () => 7)).toBe(7);
  });
});

describe('ConcurrencyLimiter', () => {
  it('never runs more than the limit at once, and runs waiting tasks in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const started: number[] = [];
    let peak = 0;
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, limiter.active);
        await gate.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(3);
    for (const gate of gates) {
      gate.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it.each([0, -1, 1.5])('rejects a limit of %s', (limit) => {
    expect(() => new ConcurrencyLimiter(limit)).toThrow(RangeError);
  });
});

describe('namespaceVerdict', () => {
  const filter = (include: string[], exclude: string[]) => ({ include, exclude });
  it.each([
    ['shop', DEFAULT_NAMESPACE_FILTER, true],
    ['kube-system', DEFAULT_NAMESPACE_FILTER, false],
    ['kube-public', DEFAULT_NAMESPACE_FILTER, false],
    ['kubeflow', DEFAULT_NAMESPACE_FILTER, true],
    ['shop', filter(['shop', 'payments'], []), true],
    ['blog', filter(['shop', 'payments'], []), false],
    ['shop-dev', filter([], ['*-dev']), false],
    ['shop-dev1', filter([], ['*-dev?']), false],
    ['shop-dev12', filter([], ['*-dev?']), true],
    ['shop.dev', filter([], ['shop?dev']), false],
    // A dot in a glob is a dot, not "any character".
    ['shopxdev', filter([], ['shop.dev']), true],
    // An exclusion wins over an inclusion.
    ['kube-system', filter(['kube-system'], ['kube-*']), false],
    ['anything', filter([], []), true],
  ])('%s under %j → scanned %s', (namespace, f, scanned) => {
    expect(namespaceVerdict(namespace, f).scanned).toBe(scanned);
  });

  it('says which setting leaves a namespace out and how to change it', () => {
    expect(namespaceVerdict('kube-system', DEFAULT_NAMESPACE_FILTER)).toEqual({
      scanned: false,
      reason:
        'namespace kube-system matches "kube-*" in the adapter\'s SCAN_EXCLUDE_NAMESPACES; remove it there to scan it',
    });
    expect(namespaceVerdict('blog', filter(['shop'], []))).toEqual({
      scanned: false,
      reason: "namespace blog is not in the adapter's SCAN_NAMESPACES (shop); add it there to scan it",
    });
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [7, 300_000],
    [100, 300_000],
    [0, 5_000],
  ])('after %i failures waits %i ms by default', (failures, ms) => {
    expect(retryDelayMs(failures)).toBe(ms);
  });

  it('follows the given delays', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, { initialMs: 100, maxMs: 350 }))).toEqual([
      100, 200, 350, 350,
    ]);
  });
});

describe('podsIgnoreUnfixed', () => {
  const pod = (annotations?: Record<string, string>) => ({ metadata: { annotations } }) as ScannedPod;
  it.each([
    [[], false],
    [[pod({ [IGNORE_UNFIXED_ANNOTATION]: 'true' })], true],
    [[pod({ [IGNORE_UNFIXED_ANNOTATION]: 'true' }), pod({ [IGNORE_UNFIXED_ANNOTATION]: 'true' })], true],
    // One pod of the image that did not ask keeps the unfixed findings in the shared report.
    [[pod({ [IGNORE_UNFIXED_ANNOTATION]: 'true' }), pod()], false],
    [[pod({ [IGNORE_UNFIXED_ANNOTATION]: 'True' })], false],
    [[pod({ [IGNORE_UNFIXED_ANNOTATION]: 'false' })], false],
  ])('%j → %s', (pods, expected) => {
    expect(podsIgnoreUnfixed(pods)).toBe(expected);
  });
});

describe('ScanMetrics vulnerability gauges', () => {
  const counts = (critical: number) => ({
    critical,
    high: 1,
    medium: 0,
    low: 0,
    negligible: 0,
    unknown: 0,
    total: critical + 1,
    fixable: 0,
  });

  it('follow the reports at every scrape: a report that went leaves no series behind', async () => {
    const registry = new Registry();
    const metrics = new ScanMetrics(registry);
    let reports = [
      { namespace: 'shop', image: 'shop/cart@sha256:aa', summary: counts(2) },
      { namespace: 'blog', image: 'blog/web@sha256:bb', summary: counts(0) },
    ];
    metrics.observeReports(() => reports);
    let text = await registry.metrics();
    expect(text).toContain(
      'nimbus_clair_vulnerabilities{namespace="shop",image="shop/cart@sha256:aa",severity="critical"} 2',
    );
    expect(text).toContain(
      'nimbus_clair_vulnerabilities{namespace="blog",image="blog/web@sha256:bb",severity="high"} 1',
    );
    reports = [{ namespace: 'shop', image: 'shop/cart@sha256:aa', summary: counts(3) }];
    text = await registry.metrics();
    expect(text).toContain(
      'nimbus_clair_vulnerabilities{namespace="shop",image="shop/cart@sha256:aa",severity="critical"} 3',
    );
    expect(text).not.toContain('blog/web');
  });
});
