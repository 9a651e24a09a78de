import { describe, expect, it } from 'vitest';
import { type LeastPrivilegeReport, leastPrivilegeProblems } from '../../src/testing/least-privilege.js';

const fails = (reason: string) => ({ ok: false, reason });

describe('leastPrivilegeProblems', () => {
  it.each<[string, LeastPrivilegeReport, { minRules?: number; forbiddenOnly?: boolean }, string[]]>([
    [
      'proven rules',
      {
        withAllRules: { ok: true },
        withoutRule: [
          { rule: 'get secrets', outcome: fails('secrets "x" is forbidden: User cannot get') },
          { rule: 'create events', outcome: fails('HTTP 403 creating an Event') },
        ],
      },
      { minRules: 2 },
      [],
    ],
    [
      'a rule nothing needs, and one that fails for another reason',
      {
        withAllRules: { ok: true },
        withoutRule: [
          { rule: 'list nodes', outcome: { ok: true } },
          { rule: 'watch pods', outcome: fails('timed out waiting for the report') },
        ],
      },
      {},
      [
        'list nodes: not needed (everything worked without it)',
        'watch pods: the run without it failed, but not on a permission error: timed out waiting for the report',
      ],
    ],
    [
      'a refusal to create in a terminating namespace is not a permission error',
      {
        withAllRules: { ok: true },
        withoutRule: [
          {
            rule: 'create events',
            outcome: fails(
              'HTTP 403 Forbidden: events "x" is forbidden: unable to create new content in namespace w because it is being terminated',
            ),
          },
        ],
      },
      {},
      [
        'create events: the run without it failed, but not on a permission error: HTTP 403 Forbidden: events "x" is forbidden: unable to create new content in namespace w because it is being terminated',
      ],
    ],
    [
      'a timeout counts when only failure is asked for',
      { withAllRules: { ok: true }, withoutRule: [{ rule: 'watch pods', outcome: fails('timed out') }] },
      { forbiddenOnly: false },
      [],
    ],
    [
      'a failing full run and too few rules',
      { withAllRules: fails('403 on list pods'), withoutRule: [] },
      { minRules: 3 },
      ['the run with every rule failed: 403 on list pods', 'only 0 rules were checked, expected at least 3'],
    ],
  ])('%s', (_label, report, options, problems) => {
    expect(leastPrivilegeProblems(report, options)).toEqual(problems);
  });
});
