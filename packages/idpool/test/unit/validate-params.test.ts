import { describe, expect, it } from 'vitest';
import { IntentRegistry, type ParamIssue } from '../../src/index.js';

const registry = new IntentRegistry();

describe('validateParams', () => {
  it.each<[string, Record<string, string[]> | undefined]>([
    ['swDeploymentTools', undefined],
    ['swDeploymentTools', {}],
    ['pkgMgrs', {}],
    ['escapeToHost', { psaLevel: ['restricted'] }],
    ['escapeToHost', { psaLevel: ['baseline'] }],
    ['cocoWorkload', { runtimeClass: ['kata-qemu'] }],
    ['virtualPatch', { cveList: ['CVE-2021-44228', 'CVE-2024-3094'], schedule: ['0 */6 * * *'] }],
    ['assessTLS', { schedule: ['@daily'], external_addresses: ['example.com:443'] }],
    [
      'vulnerabilityScanning',
      { severityThreshold: ['High'], rescanInterval: ['6h'], ignoreUnfixed: ['false'] },
    ],
    ['allowedRegistries', { registries: ['docker.io', 'ghcr.io'] }],
    [
      'blockVulnerableImages',
      { severityThreshold: ['Critical'], unscannedImages: ['deny'], scanTimeout: ['20s'] },
    ],
  ])('accepts %s with %j', (id, params) => {
    expect(registry.validateParams(id, params)).toEqual([]);
  });

  it.each<[string, Record<string, string[]> | undefined, ParamIssue[]]>([
    [
      'virtualPatch',
      { cve_list: ['CVE-2021-44228'] },
      [
        {
          param: 'cve_list',
          message: 'Intent "virtualPatch" has no parameter "cve_list": did you mean "cveList"?',
        },
        {
          param: 'cveList',
          message:
            'Intent "virtualPatch" needs parameter "cveList" with at least one value (for example "CVE-2021-44228").',
        },
      ],
    ],
    [
      'dnsManipulation',
      { mode: ['strict'] },
      [
        {
          param: 'mode',
          message:
            'Intent "dnsManipulation" has no parameter "mode": this intent takes no parameters, so remove it.',
        },
      ],
    ],
    [
      'assessTLS',
      { scheduel: ['@daily'] },
      [
        {
          param: 'scheduel',
          message:
            'Intent "assessTLS" has no parameter "scheduel": use one of "schedule", "external_addresses" or remove it.',
        },
      ],
    ],
    [
      'allowedRegistries',
      undefined,
      [
        {
          param: 'registries',
          message:
            'Intent "allowedRegistries" needs parameter "registries" with at least one value (for example "docker.io", "ghcr.io", "registry.k8s.io").',
        },
      ],
    ],
    [
      'allowedRegistries',
      { registries: [] },
      [
        {
          param: 'registries',
          message:
            'Intent "allowedRegistries" needs parameter "registries" with at least one value (for example "docker.io", "ghcr.io", "registry.k8s.io").',
        },
      ],
    ],
    [
      'escapeToHost',
      { psaLevel: ['privileged'] },
      [
        {
          param: 'psaLevel',
          message:
            'Parameter "psaLevel" of intent "escapeToHost" does not accept "privileged": use one of "baseline", "restricted".',
        },
      ],
    ],
    [
      'vulnerabilityScanning',
      { severityThreshold: ['high'], ignoreUnfixed: ['yes'] },
      [
        {
          param: 'severityThreshold',
          message:
            'Parameter "severityThreshold" of intent "vulnerabilityScanning" does not accept "high": did you mean "High"? Values are case-sensitive.',
        },
        {
          param: 'ignoreUnfixed',
          message:
            'Parameter "ignoreUnfixed" of intent "vulnerabilityScanning" does not accept "yes": use one of "true", "false".',
        },
      ],
    ],
    [
      'blockVulnerableImages',
      { unscannedImages: ['allow', 'Deny'] },
      [
        {
          param: 'unscannedImages',
          message:
            'Parameter "unscannedImages" of intent "blockVulnerableImages" does not accept "Deny": did you mean "deny"? Values are case-sensitive.',
        },
      ],
    ],
    [
      'disallowLatestTag',
      { tag: ['latest'] },
      [
        {
          param: 'tag',
          message:
            'Intent "disallowLatestTag" has no parameter "tag": this intent takes no parameters, so remove it.',
        },
      ],
    ],
  ])('reports %s with %j', (id, params, issues) => {
    expect(registry.validateParams(id, params)).toEqual(issues);
  });

  it('validates through aliases', () => {
    expect(registry.validateParams('pkgMgrs', { x: ['1'] }).map((issue) => issue.param)).toEqual(['x']);
  });

  it('validates third-party parameters', () => {
    const own = new IntentRegistry([]);
    own.register({
      id: 'myIntent',
      title: 't',
      description: 'd',
      params: [{ name: 'level', description: 'l', required: true, values: ['one', 'two'] }],
      engines: ['myEngine'],
    });
    expect(own.validateParams('myIntent', { level: ['two'] })).toEqual([]);
    expect(own.validateParams('myIntent', {})).toEqual([
      {
        param: 'level',
        message:
          'Intent "myIntent" needs parameter "level" with at least one value (for example "one", "two").',
      },
    ]);
  });

  it('throws for an unknown intent instead of guessing', () => {
    expect(() => registry.validateParams('noSuchIntent', {})).toThrow(/Unknown intent ID "noSuchIntent"/);
  });
});
