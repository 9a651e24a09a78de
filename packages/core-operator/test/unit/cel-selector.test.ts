import { Environment } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import {
  type CelSelection,
  type CelSelectorError,
  compileCelSelector,
  describeCelError,
  type PodLabels,
  resolveCelSelector,
} from '../../src/build/cel-selector.js';

// The CEL selector turns spec.cel into the matchLabels of a NimbusPolicy. Upstream Nimbus (reference §2.4)
// guesses labels from the expression text; these tests pin the replacement: real CEL evaluation per pod, then
// the labels every selected pod shares.

const PODS: readonly PodLabels[] = [
  { name: 'web-2', labels: { app: 'web', tier: 'frontend', 'pod-template-hash': 'def' } },
  { name: 'db-1', labels: { app: 'db' } },
  { name: 'web-1', labels: { app: 'web', tier: 'frontend', 'pod-template-hash': 'abc' } },
  { name: 'api-1', labels: { app: 'api', tier: 'backend' } },
];

const WEB: CelSelection = {
  kind: 'selection',
  selected: ['web-1', 'web-2'],
  matchLabels: { app: 'web', tier: 'frontend' },
  broader: [],
};

// The checker's own verdict, so the tests prove the library's message is passed through rather than restating it.
const reference = new Environment().registerVariable('labels', 'map<string, string>');
const librarySummary = (expression: string): string | undefined => reference.check(expression).error?.summary;

describe('resolveCelSelector over the sample pods', () => {
  it.each<{ cel: string[]; expected: CelSelection | Pick<CelSelectorError, 'kind'> }>([
    { cel: ['labels["app"] == "web"'], expected: WEB },
    { cel: ['labels.app == "web"'], expected: WEB },
    { cel: ['labels["app"].startsWith("w")'], expected: WEB },
    { cel: ['has(labels.tier) && labels.tier != "backend"'], expected: WEB },
    { cel: ['labels.tier.contains("front")'], expected: WEB },
    { cel: ['labels["app"] in ["web", "api"]', 'labels.tier == "frontend"'], expected: WEB },
    {
      cel: ['labels.app.matches("^a.i$")'],
      expected: {
        kind: 'selection',
        selected: ['api-1'],
        matchLabels: { app: 'api', tier: 'backend' },
        broader: [],
      },
    },
    {
      cel: ['"tier" in labels', 'labels.app.endsWith("i")'],
      expected: {
        kind: 'selection',
        selected: ['api-1'],
        matchLabels: { app: 'api', tier: 'backend' },
        broader: [],
      },
    },
    {
      cel: ['size(labels) == 1 || labels.app == "none"'],
      expected: { kind: 'selection', selected: ['db-1'], matchLabels: { app: 'db' }, broader: [] },
    },
    // api-1 and the web pods have no label (key and value) in common, so none of these can become matchLabels.
    { cel: ['labels["app"] in ["web","api"]'], expected: { kind: 'noCommonLabels' } },
    { cel: ['!(labels["app"] == "db")'], expected: { kind: 'noCommonLabels' } },
    { cel: ['"tier" in labels'], expected: { kind: 'noCommonLabels' } },
    { cel: ['labels.app.endsWith("b")'], expected: { kind: 'noCommonLabels' } },
    { cel: ['labels["app"] == "cache"'], expected: { kind: 'noMatch' } },
  ])('$cel', ({ cel, expected }) => {
    const result = resolveCelSelector(cel, PODS);
    if (expected.kind === 'selection') expect(result).toEqual(expected);
    else expect(result).toMatchObject(expected);
  });

  it('lists the selected pods when they share no label', () => {
    expect(resolveCelSelector(['!(labels["app"] == "db")'], PODS)).toMatchObject({
      kind: 'noCommonLabels',
      selected: ['api-1', 'web-1', 'web-2'],
    });
  });

  it('returns undefined for an empty spec.cel so the caller skips CEL entirely', () => {
    expect(resolveCelSelector([], PODS)).toBeUndefined();
  });
});

describe('pods on which an expression cannot be evaluated', () => {
  it.each(['labels["tier"] == "frontend"', 'labels.tier == "frontend"', 'labels.tier.startsWith("front")'])(
    '%s: the pod without the label is simply not selected',
    (expression) => {
      expect(resolveCelSelector([expression], PODS)).toEqual(WEB);
      const compiled = compileCelSelector([expression]);
      if (compiled.kind !== 'compiled') throw new Error(`expected ${expression} to compile`);
      expect(compiled.matches({ app: 'db' })).toBe(false);
    },
  );

  it.each([
    ['has(labels.tier) && labels.tier == "frontend"'],
    ['"tier" in labels && labels["tier"] == "frontend"'],
  ])('%s: the guard turns the failure into a plain false', (expression) => {
    const compiled = compileCelSelector([expression]);
    if (compiled.kind !== 'compiled') throw new Error(`expected ${expression} to compile`);
    expect(compiled.matches({ app: 'db' })).toBe(false);
    expect(compiled.matches({ app: 'web', tier: 'frontend' })).toBe(true);
  });

  it('reports the failures when they leave no pod selected', () => {
    const result = resolveCelSelector(['labels["team"] == "payments"'], PODS);
    expect(result).toMatchObject({ kind: 'noMatch', podCount: 4 });
    if (result?.kind !== 'noMatch') throw new Error('expected noMatch');
    expect(result.evaluationFailures.map((f) => f.pod)).toEqual(['api-1', 'db-1', 'web-1', 'web-2']);
    expect(result.evaluationFailures[0]).toEqual({
      pod: 'api-1',
      index: 0,
      expression: 'labels["team"] == "payments"',
      message: expect.stringContaining('team'),
    });
    const text = describeCelError(result);
    expect(text).toContain(`spec.cel[0] ${JSON.stringify('labels["team"] == "payments"')}`);
    expect(text).toContain('has(labels.key)');
  });

  it('reports an empty namespace as noMatch, not as invalid', () => {
    const result = resolveCelSelector(['labels.app == "web"'], []);
    expect(result).toMatchObject({ kind: 'noMatch', podCount: 0, evaluationFailures: [] });
    if (result?.kind !== 'noMatch') throw new Error('expected noMatch');
    expect(describeCelError(result)).toContain('no pods');
  });

  it('sees only real labels, never object properties', () => {
    const compiled = compileCelSelector(['"constructor" in labels || has(labels.toString)']);
    if (compiled.kind !== 'compiled') throw new Error('expected the expression to compile');
    expect(compiled.matches({ app: 'web' })).toBe(false);
    expect(compiled.matches({ constructor: 'x' })).toBe(true);
  });

  it('handles the dotted and slashed keys of recommended labels', () => {
    const pods: PodLabels[] = [
      { name: 'a', labels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'ui' } },
      { name: 'b', labels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'api' } },
    ];
    expect(resolveCelSelector(['labels["app.kubernetes.io/name"] == "shop"'], pods)).toEqual({
      kind: 'selection',
      selected: ['a', 'b'],
      matchLabels: { 'app.kubernetes.io/name': 'shop' },
      broader: [],
    });
  });
});

describe('invalid expressions', () => {
  it.each([
    { what: 'a syntax error', expression: 'labels["app" ==', fromLibrary: true },
    { what: 'an unknown function', expression: 'frobnicate(labels)', fromLibrary: true },
    { what: 'an unknown variable', expression: 'pod.name == "web-1"', fromLibrary: true },
    { what: 'a type mismatch', expression: 'labels.app == 1', fromLibrary: true },
    { what: 'an empty expression', expression: '   ', fromLibrary: true },
    { what: 'a string result', expression: 'labels["app"]', fromLibrary: false },
    { what: 'an int result', expression: 'size(labels)', fromLibrary: false },
  ])('rejects $what at compile time with its index', ({ expression, fromLibrary }) => {
    const cel = ['labels.app == "web"', expression];
    const expected = fromLibrary ? librarySummary(expression) : undefined;
    if (fromLibrary) expect(expected).toBeTypeOf('string');
    for (const result of [compileCelSelector(cel), resolveCelSelector(cel, PODS)]) {
      expect(result).toMatchObject({ kind: 'invalid', index: 1, expression });
      if (result?.kind !== 'invalid') throw new Error('expected invalid');
      if (expected !== undefined) expect(result.message).toBe(expected);
      else expect(result.message).toMatch(/must be a bool/);
    }
  });

  it('gives the position the parser points at', () => {
    const result = compileCelSelector(['labels["app" ==']);
    expect(result).toMatchObject({ kind: 'invalid', index: 0, position: 'labels["app" =='.length });
  });

  it('rejects a dyn expression once a pod shows it is not a bool', () => {
    const cel = ['dyn(labels.app)'];
    expect(resolveCelSelector(cel, PODS)).toMatchObject({ kind: 'invalid', index: 0, expression: cel[0] });
    const compiled = compileCelSelector(cel);
    if (compiled.kind !== 'compiled') throw new Error('dyn is only known per pod, so it compiles');
    expect(compiled.matches({ app: 'web' })).toMatchObject({ kind: 'invalid', message: /string value/ });
  });

  it('treats an empty list as matching every pod', () => {
    const compiled = compileCelSelector([]);
    if (compiled.kind !== 'compiled') throw new Error('expected an empty selector to compile');
    expect(compiled.matches({})).toBe(true);
  });
});

describe('broader', () => {
  it.each<{ name: string; cel: string[]; pods: PodLabels[]; expected: CelSelection }>([
    {
      name: 'a controller-generated label picks one pod of a ReplicaSet',
      cel: ['labels["pod-template-hash"] == "abc"'],
      pods: [...PODS],
      expected: {
        kind: 'selection',
        selected: ['web-1'],
        matchLabels: { app: 'web', tier: 'frontend' },
        broader: ['web-2'],
      },
    },
    {
      name: 'the missing label of a stable pod is shared by its canary',
      cel: ['!has(labels.track)'],
      pods: [
        { name: 'web-canary', labels: { app: 'web', track: 'canary' } },
        { name: 'web-stable', labels: { app: 'web' } },
      ],
      expected: {
        kind: 'selection',
        selected: ['web-stable'],
        matchLabels: { app: 'web' },
        broader: ['web-canary'],
      },
    },
    {
      name: 'a value test narrower than equality',
      cel: ['labels.version.startsWith("1.")'],
      pods: [
        { name: 'v1-a', labels: { app: 'web', version: '1.0' } },
        { name: 'v1-b', labels: { app: 'web', version: '1.1' } },
        { name: 'v2', labels: { app: 'web', version: '2.0' } },
        { name: 'other', labels: { app: 'cache' } },
      ],
      expected: {
        kind: 'selection',
        selected: ['v1-a', 'v1-b'],
        matchLabels: { app: 'web' },
        broader: ['v2'],
      },
    },
  ])('$name', ({ cel, pods, expected }) => {
    expect(resolveCelSelector(cel, pods)).toEqual(expected);
  });
});

describe('describeCelError', () => {
  it('names the second expression as spec.cel[1], quotes it and says what to do', () => {
    const result = compileCelSelector(['labels.app == "web"', 'labels["app" ==']);
    if (result.kind !== 'invalid') throw new Error('expected invalid');
    const text = describeCelError(result);
    expect(text).toContain('spec.cel[1]');
    expect(text).not.toContain('spec.cel[0]');
    expect(text).toContain(JSON.stringify('labels["app" =='));
    expect(text).toContain(result.message);
    expect(text).toContain('at character 16');
    expect(text).toContain('Fix spec.cel[1]');
    expect(text).not.toContain('\n');
  });

  it.each([
    { cel: ['labels.app == "cache"'], mentions: 'none of the 4 pod(s)' },
    { cel: ['"tier" in labels'], mentions: 'api-1, web-1, web-2' },
  ])('explains $cel without an index when no single expression is at fault', ({ cel, mentions }) => {
    const result = resolveCelSelector(cel, PODS);
    if (result === undefined || result.kind === 'selection') throw new Error('expected an error');
    expect(describeCelError(result)).toContain(mentions);
  });
});
