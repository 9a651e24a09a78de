import { describe, expect, it } from 'vitest';
import { partsReady, splitParts } from '../../src/process/component-parts.js';
import type { Component } from '../../src/process/run-component.js';

type NamedPart = Component & { readonly name: string };
const part = (name: string, ready: boolean, needLeaderElection?: boolean): NamedPart => ({
  name,
  ready,
  start: async () => {},
  stop: async () => {},
  ...(needLeaderElection === undefined ? {} : { needLeaderElection }),
});
const names = (parts: readonly Component[]) => parts.map((p) => (p as NamedPart).name);

describe('splitParts', () => {
  const builder = part('builder', true);
  const elected = part('scanner', true, true);
  const webhook = part('webhook', true, false);

  it.each([
    [
      'leader election on: only the parts that need none run everywhere',
      true,
      ['webhook'],
      ['builder', 'scanner'],
    ],
    ['leader election off: every part runs at once', false, ['builder', 'scanner', 'webhook'], []],
  ])('%s', (_, leaderElect, everywhere, waiting) => {
    const split = splitParts([builder, elected, webhook], leaderElect);
    expect(names(split.everywhere)).toEqual(everywhere);
    expect(names(split.elected)).toEqual(waiting);
  });
});

describe('partsReady', () => {
  it.each([
    // [case, webhook ready, builder ready, standby, Ready]
    ['standby whose webhook serves', true, false, true, true],
    ['standby whose webhook does not serve yet', false, false, true, false],
    ['leader with every part ready', true, true, false, true],
    ['leader whose builder is still filling its caches', true, false, false, false],
    ['leader whose webhook does not serve yet', false, true, false, false],
  ])('%s', (_, webhookReady, builderReady, standby, ready) => {
    const split = splitParts([part('builder', builderReady), part('webhook', webhookReady, false)], true);
    expect(partsReady(split, standby)).toBe(ready);
  });

  it('a standby with no always-on part is ready (it only stands by to take over)', () => {
    expect(partsReady(splitParts([part('builder', false)], true), true)).toBe(true);
  });
});
