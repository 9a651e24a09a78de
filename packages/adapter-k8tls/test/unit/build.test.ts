import { desiredState } from '@nimbus-ts/adapter-sdk';
import type { ClusterNimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_LABEL,
  addressesConfigMapName,
  createK8tlsAdapter,
  cronJobName,
  DEFAULT_K8TLS_CONFIG,
  type K8tlsConfig,
  scheduleProblem,
} from '../../src/index.js';

const CONFIG: K8tlsConfig = {
  ...DEFAULT_K8TLS_CONFIG,
  namespace: 'scans',
  reporterImage: 'reg/nimbus-k8tls:1',
};

function policy(rules: NimbusRule[]): ClusterNimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'ClusterNimbusPolicy',
    metadata: { name: 'tls', uid: 'u-1', labels: { team: 'sec' } },
    spec: { rules },
  } as ClusterNimbusPolicy;
}
const assess = (params?: Record<string, string[]>): NimbusRule => ({
  id: 'assessTLS',
  rule: { action: 'Audit', ...(params ? { params } : {}) },
});
// biome-ignore lint/suspicious/noExplicitAny: the test reads deep into the built CronJob.
const build = (rules: NimbusRule[]): any[] =>
  desiredState(createK8tlsAdapter(CONFIG), policy(rules)).children.map((c) => c.object);

describe('the k8tls builder', () => {
  it.each([
    {
      name: 'no schedule: @weekly, services of the cluster',
      params: undefined,
      schedule: '@weekly',
      command: ['./k8s_tlsscan'],
      configMap: undefined,
    },
    {
      name: 'a schedule',
      params: { schedule: ['0 3 * * *'] },
      schedule: '0 3 * * *',
      command: ['./k8s_tlsscan'],
      configMap: undefined,
    },
    {
      name: 'external addresses',
      params: { external_addresses: ['shop.example.com:443', ' 10.0.0.1:8443 '] },
      schedule: '@weekly',
      command: ['./tlsscan', '--infile', '/var/k8tls/addresses', '--json', '/tmp/report.json'],
      configMap: 'shop.example.com:443 shop.example.com:443\n10.0.0.1:8443 10.0.0.1:8443\n',
    },
  ])('$name', ({ params, schedule, command, configMap }) => {
    const objects = build([assess(params as Record<string, string[]> | undefined)]);
    const cronJob = objects.find((o) => o.kind === 'CronJob');
    expect(cronJob.metadata).toMatchObject({
      name: 'tls-assesstls',
      namespace: 'scans',
      labels: { team: 'sec' },
    });
    expect(cronJob.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ClusterNimbusPolicy', name: 'tls', uid: 'u-1', controller: true }),
    ]);
    expect(cronJob.spec.schedule).toBe(schedule);
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('nimbus-k8tls-scanner');
    expect(pod.initContainers[0]).toMatchObject({ image: CONFIG.scannerImage, command });
    expect(pod.containers[0]).toMatchObject({ name: 'report', image: 'reg/nimbus-k8tls:1' });
    const cm = objects.find((o) => o.kind === 'ConfigMap');
    expect(cm?.data?.addresses).toBe(configMap);
    if (cm) expect(cm.metadata).toMatchObject({ name: 'tls-assesstls-addresses', namespace: 'scans' });
  });

  it('keeps every name within the CronJob limit of 52 characters, distinct, when the policy name is the longest allowed', () => {
    // The API server refuses a CronJob name over 52 characters (its Jobs append an 11-character suffix and stay
    // DNS labels), and the CronJob's name is also the value of the assessment label (63 at most).
    const names = ['a', 'b'].map((last) => {
      const long = policy([assess({ external_addresses: ['shop.example.com:443'] })]);
      long.metadata.name = `${'n'.repeat(252)}${last}`;
      // biome-ignore lint/suspicious/noExplicitAny: the test reads deep into the built objects.
      const objects: any[] = desiredState(createK8tlsAdapter(CONFIG), long).children.map((c) => c.object);
      const cronJob = objects.find((o) => o.kind === 'CronJob');
      const configMap = objects.find((o) => o.kind === 'ConfigMap');
      expect(cronJob.metadata.name).toMatch(/^n+-[0-9a-f]{10}$/);
      expect(cronJob.metadata.name).toHaveLength(52);
      expect(cronJob.metadata.labels[ASSESSMENT_LABEL]).toBe(cronJob.metadata.name);
      expect(cronJob.spec.jobTemplate.spec.template.metadata.labels[ASSESSMENT_LABEL]).toBe(
        cronJob.metadata.name,
      );
      expect(configMap.metadata.name).toBe(`${cronJob.metadata.name}-addresses`);
      expect(configMap.metadata.labels[ASSESSMENT_LABEL]).toBe(cronJob.metadata.name);
      expect(cronJobName(long.metadata.name)).toBe(cronJob.metadata.name);
      expect(addressesConfigMapName(long.metadata.name)).toBe(configMap.metadata.name);
      return cronJob.metadata.name as string;
    });
    expect(new Set(names).size).toBe(2);
  });

  it('builds nothing without an assessTLS rule, and nothing for NimbusPolicies', () => {
    expect(build([{ id: 'dnsManipulation', rule: { action: 'Block' } }])).toEqual([]);
    const np = {
      ...policy([assess()]),
      kind: 'NimbusPolicy',
      metadata: { name: 'n', namespace: 'a', uid: 'u' },
    };
    expect(desiredState(createK8tlsAdapter(CONFIG), np as never).children).toEqual([]);
  });

  it.each([
    { params: { schedule: ['every day'] }, error: /schedule "every day" .*params\.schedule/ },
    { params: { schedule: ['@sometimes'] }, error: /@sometimes.*params\.schedule/ },
    {
      params: { external_addresses: ['shop.example.com'] },
      error: /"shop.example.com" is not host:port.*external_addresses/,
    },
    { params: { external_addresses: ['a.example.com:443 evil'] }, error: /not host:port/ },
    { params: { external_addresses: ['a.example.com:70000'] }, error: /not host:port/ },
  ])('rejects $params with the fix', ({ params, error }) => {
    expect(() => build([assess(params as unknown as Record<string, string[]>)])).toThrow(error);
  });

  it.each([
    ['@daily', undefined],
    ['*/5 * * * *', undefined],
    ['0 3 * * MON-FRI', undefined],
    ['0 3 * *', 'five fields'],
    ['@often', 'not one of'],
  ])('schedule %s', (schedule, problem) => {
    const found = scheduleProblem(schedule);
    if (problem) expect(found).toContain(problem);
    else expect(found).toBeUndefined();
  });
});
