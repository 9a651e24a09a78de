import { describe, expect, it } from 'vitest';
import { assessmentReport, type JobView, latestFinishedJob, MAX_FINDINGS } from '../../src/index.js';
import { K8S_TLSSCAN_REPORT, TLSSCAN_REPORT } from './samples.js';

const cronJob = { metadata: { name: 'tls-assesstls', namespace: 'scans' }, spec: { schedule: '@weekly' } };
const job = (name: string, state?: 'Complete' | 'Failed', at?: string, message?: string): JobView => ({
  metadata: { name, creationTimestamp: '2026-12-01T00:00:00Z' as unknown as Date },
  status: {
    startTime: '2026-12-01T00:00:01Z',
    ...(state === 'Complete' && at ? { completionTime: at } : {}),
    conditions: state
      ? [
          {
            type: state,
            status: 'True',
            ...(at ? { lastTransitionTime: at } : {}),
            ...(message ? { message } : {}),
          },
        ]
      : [],
  },
});

describe('latestFinishedJob', () => {
  it.each([
    { name: 'none finished', jobs: [job('a')], latest: undefined },
    {
      name: 'the later completion',
      jobs: [
        job('a', 'Complete', '2026-12-02T00:00:00Z'),
        job('b', 'Complete', '2026-12-03T00:00:00Z'),
        job('c'),
      ],
      latest: 'b',
    },
    {
      name: 'a later failure over an earlier success',
      jobs: [job('a', 'Complete', '2026-12-02T00:00:00Z'), job('b', 'Failed', '2026-12-04T00:00:00Z')],
      latest: 'b',
    },
  ])('$name', ({ jobs, latest }) => {
    expect(latestFinishedJob(jobs)?.metadata?.name).toBe(latest);
  });
});

describe('assessmentReport', () => {
  it('summarizes a k8tls report, failing endpoints first', () => {
    const report = assessmentReport({
      cronJob,
      job: job('j1', 'Complete', '2026-12-02T00:00:00Z'),
      reportText: K8S_TLSSCAN_REPORT,
      policy: 'tls',
    });
    expect(report.metadata.name).toBe('tls-assesstls');
    expect(report.assessment).toEqual({
      policy: 'tls',
      cronJob: { namespace: 'scans', name: 'tls-assesstls' },
      schedule: '@weekly',
    });
    expect(report.scan).toMatchObject({
      job: 'j1',
      outcome: 'Succeeded',
      completionTime: '2026-12-02T00:00:00Z',
      scanner: { name: 'k8tls', version: 'v0.1' },
    });
    expect(report.summary).toEqual({
      endpoints: 2,
      failingEndpoints: 1,
      findings: 4,
      failedFindings: 2,
      critical: 2,
      high: 0,
      medium: 0,
      low: 0,
    });
    expect(report.endpoints.map((e) => [e.name, e.failed])).toEqual([
      ['shop/web[http]', 2],
      ['default/kubernetes[https]', 0],
    ]);
    expect(report.truncated).toBe(false);
  });

  it('counts failed findings by severity', () => {
    const report = assessmentReport({
      cronJob,
      job: job('j1', 'Complete', '2026-12-02T00:00:00Z'),
      reportText: TLSSCAN_REPORT,
      policy: 'tls',
    });
    expect(report.summary).toMatchObject({ failingEndpoints: 2, failedFindings: 2, critical: 1, medium: 1 });
  });

  it('bounds findings per endpoint, failures kept first', () => {
    const findings = Array.from({ length: MAX_FINDINGS + 5 }, (_, i) => ({
      plugin: `p${i}`,
      title: 't',
      status: i === MAX_FINDINGS + 4 ? 'FAIL' : 'OK',
    }));
    const text = JSON.stringify({ endpoints: [{ svc: 'a/b', host: 'h', port: '1', finding: findings }] });
    const report = assessmentReport({
      cronJob,
      job: job('j', 'Complete', 'x'),
      reportText: text,
      policy: 'tls',
    });
    expect(report.endpoints[0]?.findings).toHaveLength(MAX_FINDINGS);
    expect(report.endpoints[0]?.findings[0]?.plugin).toBe(`p${MAX_FINDINGS + 4}`);
    expect(report.truncated).toBe(true);
    expect(report.summary.findings).toBe(MAX_FINDINGS + 5);
  });

  it.each([
    {
      name: 'a failed job',
      j: job('j2', 'Failed', '2026-12-02T00:00:00Z', 'Job has reached the specified backoff limit'),
      text: undefined,
      outcome: 'Failed',
      message: /failed: Job has reached the specified backoff limit; see .*kubectl logs -n scans job\/j2/,
    },
    {
      name: 'a complete job without a report',
      j: job('j3', 'Complete', '2026-12-02T00:00:00Z'),
      text: undefined,
      outcome: 'ReportMissing',
      message: /ConfigMap j3.*may create ConfigMaps in scans/,
    },
    {
      name: 'a report that is not k8tls’s',
      j: job('j4', 'Complete', '2026-12-02T00:00:00Z'),
      text: 'oops',
      outcome: 'ReportInvalid',
      message: /not JSON/,
    },
  ])('reports $name with the reason', ({ j, text, outcome, message }) => {
    const report = assessmentReport({ cronJob, job: j, reportText: text, policy: 'tls' });
    expect(report.scan.outcome).toBe(outcome);
    expect(report.scan.message).toMatch(message);
    expect(report.endpoints).toEqual([]);
    expect(report.summary.endpoints).toBe(0);
  });
});
