import { describe, expect, it } from 'vitest';
import { CEL_COST_LIMIT } from '../../src/build/cel-budget.js';
import { compileCelSelector, describeCelError, resolveCelSelector } from '../../src/build/cel-selector.js';

// Issue 15: a tenant's spec.cel ran on the operator's only thread without bounds. `matches` backtracked
// (`(a+)+$` over a 31-character label froze the operator for ~87 s, doubling per character), and nothing
// limited the work of an expression. These tables pin the bounds: RE2 semantics for matches, and an estimated
// cost per evaluation checked before it runs.

const compiled = (cel: string[]) => {
  const result = compileCelSelector(cel);
  if (result.kind !== 'compiled')
    throw new Error(`expected ${JSON.stringify(cel)} to compile: ${result.message}`);
  return result;
};

// The longest label value Kubernetes allows, built to make a backtracking engine try every split of the a's (and still a valid label).
const HOSTILE_VALUE = `${'a'.repeat(62)}b`;

describe('matches() has RE2 semantics', () => {
  it.each<{ pattern: string; value: string; expected: boolean }>([
    // Partial match, as in CEL and Kubernetes: anchors make it a full match.
    { pattern: 'web', value: 'my-web-app', expected: true },
    { pattern: '^web$', value: 'my-web-app', expected: false },
    { pattern: '^[a-z]+-[0-9]+$', value: 'shop-42', expected: true },
    { pattern: '(?i)^SHOP', value: 'shop-42', expected: true },
    { pattern: '\\d{2}$', value: 'shop-42', expected: true },
    // The pattern over the longest label value: RE2 answers in linear time.
    { pattern: '(a+)+$', value: HOSTILE_VALUE, expected: false },
    { pattern: '(a+)+$', value: 'a'.repeat(63), expected: true },
    { pattern: '^(a|aa)+$', value: HOSTILE_VALUE, expected: false },
  ])('$pattern against $value is $expected', ({ pattern, value, expected }) => {
    const selector = compiled([`labels.app.matches(${JSON.stringify(pattern)})`]);
    expect(selector.matches({ app: value })).toBe(expected);
  });

  it('finishes (a+)+$ over a 63-character label within a cost linear in its length', () => {
    const selector = compiled(['labels.app.matches("(a+)+$")']);
    const [cost = Number.NaN] = selector.costs({ app: HOSTILE_VALUE });
    const [half = Number.NaN] = selector.costs({ app: HOSTILE_VALUE.slice(31) });
    // 63 characters × (6 pattern characters + 1) for the match, the label read, a few nodes: nothing exponential.
    expect(cost).toBeGreaterThanOrEqual(63 * 7);
    expect(cost).toBeLessThan(63 * 10);
    // Half the characters, about half the cost (a backtracking engine's work grows 2^31-fold here).
    expect(cost).toBeLessThanOrEqual(2 * half + 10);
    expect(selector.matches({ app: HOSTILE_VALUE })).toBe(false);
  });

  it.each([
    { what: 'a backreference', pattern: '(a)\\\\1' },
    { what: 'a lookahead', pattern: '(?=a)a' },
    { what: 'a negative lookahead', pattern: '(?!b)a' },
    { what: 'a lookbehind', pattern: '(?<=a)b' },
    { what: 'a repeat count over 1000', pattern: 'a{1001}' },
  ])('rejects $what at compile time, naming the pattern and the fix', ({ pattern }) => {
    const expression = `labels.app.matches("${pattern}")`;
    const result = compileCelSelector(['labels.app == "web"', expression]);
    expect(result).toMatchObject({ kind: 'invalid', index: 1, expression });
    if (result.kind !== 'invalid') throw new Error('expected invalid');
    expect(result.message).toMatch(/not valid RE2 syntax/);
    expect(result.message).toMatch(/no backreferences or lookaround/);
    expect(result.position).toBe(expression.indexOf('"'));
    expect(describeCelError(result)).toContain('Fix spec.cel[1]');
  });

  it('treats a pattern computed per pod that RE2 rejects as an evaluation failure of that pod only', () => {
    const pods = [
      { name: 'bad', labels: { app: 'web', re: '(?=w)' } },
      { name: 'good', labels: { app: 'web', re: '^w' } },
    ];
    const result = resolveCelSelector(['labels.app.matches(labels.re)'], pods);
    expect(result).toMatchObject({ kind: 'selection', selected: ['good'] });
  });

  it('says matches, not the internal name, in a type error', () => {
    const result = compileCelSelector(['labels.app.matches(1)']);
    if (result.kind !== 'invalid') throw new Error('expected invalid');
    expect(result.message).toContain('matches');
    expect(result.message).not.toMatch(/re2/i);
  });
});

describe('the cost budget of one evaluation', () => {
  // Forty labels, as a well-labelled pod might carry; their size bound is 40 (longer than any key or value).
  const manyLabels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `v${i}`]));
  const nested = (depth: number): string => {
    let body = 'true';
    for (let d = depth; d > 0; d--) body = `labels.all(k${d}, ${body})`;
    return body;
  };

  it.each<{ expression: string; under: boolean }>([
    { expression: 'labels.app == "web"', under: true },
    { expression: 'has(labels.app) && labels.app in ["web", "api"]', under: true },
    { expression: 'labels.exists(k, k.startsWith("team-"))', under: true },
    { expression: nested(2), under: true },
    { expression: nested(3), under: true },
    // 40^4 iterations, 2.6 million: refused rather than run.
    { expression: nested(4), under: false },
    { expression: nested(6), under: false },
    { expression: 'labels.map(k, labels.map(j, labels.map(i, k + j + i))).size() > 0', under: false },
    // A variable bound with cel.bind is as large as its value: no way around the budget through it.
    { expression: `cel.bind(x, labels, ${nested(4).replaceAll('labels.', 'x.')})`, under: false },
    { expression: 'cel.bind(x, labels.app, x == "web")', under: true },
    // join makes one string of all elements: its length is their number times their length.
    {
      expression: 'labels.map(a, labels.map(b, a + b).join()).join().matches("(x+x+)+y")',
      under: false,
    },
    { expression: 'labels.map(k, k).join(",").contains("team")', under: true },
  ])('$expression over 40 labels is within budget: $under', ({ expression, under }) => {
    const [cost = Number.NaN] = compiled([expression]).costs(manyLabels);
    expect(cost <= CEL_COST_LIMIT).toBe(under);
  });

  it('grows with the labels of the pod: the same expression fits a small pod', () => {
    const selector = compiled([nested(4)]);
    expect(selector.costs({ app: 'web' })[0]).toBeLessThanOrEqual(CEL_COST_LIMIT);
    expect(selector.matches({ app: 'web' })).toBe(true);
  });

  it('refuses an expression over budget without evaluating it, naming the pod, the cost and the fix', () => {
    const expression = nested(6);
    const pods = [
      { name: 'small', labels: { app: 'web' } },
      { name: 'tagged', labels: manyLabels },
    ];
    const result = resolveCelSelector(['labels.app == "web" || true', expression], pods);
    expect(result).toMatchObject({
      kind: 'budgetExceeded',
      index: 1,
      expression,
      pod: 'tagged',
      limit: CEL_COST_LIMIT,
    });
    if (result?.kind !== 'budgetExceeded') throw new Error('expected budgetExceeded');
    expect(result.cost).toBeGreaterThan(40 ** 6);
    const text = describeCelError(result);
    expect(text).toContain('spec.cel[1]');
    expect(text).toContain('pod tagged');
    expect(text).toContain(String(CEL_COST_LIMIT));
    expect(text).toMatch(/nested/);
    expect(compiled([expression]).matches(manyLabels)).toMatchObject({ kind: 'budgetExceeded', index: 0 });
  });
});
