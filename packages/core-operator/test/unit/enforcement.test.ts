import { defaultRegistry } from '@nimbus-ts/idpool';
import type { NimbusRule } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { ENFORCED, enforcedCondition } from '../../src/build/enforcement.js';

const rule = (id: string): NimbusRule => ({ id, rule: { action: 'Block' } });
const adapters = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([name, ids]) => [name, new Set(ids)]));

interface Row {
  readonly name: string;
  readonly rules: NimbusRule[];
  readonly running: Record<string, string[]>;
  readonly expected: Record<string, string>;
}

describe('enforcedCondition', () => {
  it.each<Row>([
    {
      name: 'no rules',
      rules: [],
      running: {},
      expected: { status: 'True', reason: 'NoRules' },
    },
    {
      name: 'every rule covered by some adapter',
      rules: [rule('dnsManipulation'), rule('denyExternalNetworkAccess')],
      running: { kubearmor: ['dnsManipulation'], netpol: ['dnsManipulation', 'denyExternalNetworkAccess'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
    {
      name: 'an alias is covered by the adapter of its canonical ID',
      rules: [rule('pkgMgrs')],
      running: { kubearmor: ['swDeploymentTools'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
    {
      name: 'no adapter running at all',
      rules: [rule('dnsManipulation')],
      running: {},
      expected: {
        status: 'False',
        reason: 'NoRunningAdapter',
        message: 'no running adapter enforces dnsManipulation (deploy an adapter for kubearmor or netpol)',
      },
    },
    {
      name: 'one rule uncovered among covered ones',
      rules: [rule('dnsManipulation'), rule('cocoWorkload')],
      running: { kubearmor: ['dnsManipulation'] },
      expected: {
        status: 'False',
        message: 'no running adapter enforces cocoWorkload (deploy an adapter for kyverno)',
      },
    },
    {
      name: 'an ID no known engine enforces',
      rules: [rule('madeUpIntent')],
      running: { kubearmor: ['dnsManipulation'] },
      expected: {
        status: 'False',
        message: 'no running adapter enforces madeUpIntent (no known engine enforces it)',
      },
    },
    {
      name: 'a third-party ID announced by its adapter',
      rules: [rule('madeUpIntent')],
      running: { custom: ['madeUpIntent'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
  ])('$name', ({ rules, running, expected }) => {
    const condition = enforcedCondition(rules, adapters(running), defaultRegistry, 3);
    expect(condition).toMatchObject({ type: ENFORCED, observedGeneration: 3, ...expected });
  });
});
