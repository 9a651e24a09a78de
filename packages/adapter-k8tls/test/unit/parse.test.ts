import { describe, expect, it } from 'vitest';
import { isFailed, parseK8tlsReport } from '../../src/index.js';
import { EXPOSED_PORTS_REPORT, K8S_TLSSCAN_REPORT, TLSSCAN_REPORT } from './samples.js';

describe('parseK8tlsReport', () => {
  it.each([
    {
      name: 'tlsscan heredoc output (external addresses)',
      text: TLSSCAN_REPORT,
      version: 'v0.1',
      endpoints: [
        {
          name: 'shop.example.com:443',
          namespace: undefined,
          host: 'shop.example.com',
          port: 443,
          plugins: ['fips-140-3-compliance-check', 'tls-security', 'tls-certificate-check'],
          failed: ['tls-certificate-check'],
        },
        {
          name: 'api.shop.example.com:443',
          namespace: undefined,
          host: 'api.shop.example.com',
          port: 443,
          plugins: ['tls-security'],
          failed: ['tls-security'],
        },
      ],
    },
    {
      name: 'k8s_tlsscan jq-combined output (Services)',
      text: K8S_TLSSCAN_REPORT,
      version: 'v0.1',
      endpoints: [
        {
          name: 'default/kubernetes[https]',
          namespace: 'default',
          host: '10.96.0.1',
          port: 443,
          plugins: ['fips-140-3-compliance-check', 'tls-security'],
          failed: [],
        },
        {
          name: 'shop/web[http]',
          namespace: 'shop',
          host: '10.96.12.7',
          port: 80,
          plugins: ['fips-140-3-compliance-check', 'tls-security'],
          failed: ['fips-140-3-compliance-check', 'tls-security'],
        },
      ],
    },
    {
      name: 'the exposed-ports finding with k8tls’s missing comma',
      text: EXPOSED_PORTS_REPORT,
      version: 'v0.1',
      endpoints: [
        {
          name: 'shop/web-nodeport',
          namespace: 'shop',
          host: '10.96.3.3',
          port: 30080,
          plugins: ['exposed-ports'],
          failed: [],
        },
      ],
    },
    {
      name: 'an empty scan',
      text: '{"app":{"version":"v0.1"},"endpoints":[]}',
      version: 'v0.1',
      endpoints: [],
    },
  ])('reads $name', ({ text, version, endpoints }) => {
    const result = parseK8tlsReport(text);
    if (!result.ok) throw new Error(result.error);
    expect(result.report.version).toBe(version);
    expect(
      result.report.endpoints.map((e) => ({
        name: e.name,
        namespace: e.namespace,
        host: e.host,
        port: e.port,
        plugins: e.findings.map((f) => f.plugin),
        failed: e.findings.filter(isFailed).map((f) => f.plugin),
      })),
    ).toEqual(endpoints);
  });

  it('keeps every field of a finding under its report name', () => {
    const result = parseK8tlsReport(TLSSCAN_REPORT);
    if (!result.ok) throw new Error(result.error);
    expect(result.report.endpoints[0]?.findings[2]).toEqual({
      plugin: 'tls-certificate-check',
      title: 'check for TLS certificate best practices',
      status: 'FAIL',
      severity: 'medium',
      compliance: 'NIST.SP.800-52',
      controlId: '3.3',
      description: 'Self-signed certificates have the risk of MITM attacks.',
      solution: 'Use certificates signed by approved Certificates Authority (CA).',
      link: 'https://csrc.nist.gov/news/2019/nist-publishes-sp-800-52-revision-2',
    });
  });

  it.each([
    { name: 'text that is not JSON', text: 'json report generated at [/tmp/report.json]', error: /not JSON/ },
    { name: 'a truncated report', text: TLSSCAN_REPORT.slice(0, 200), error: /not JSON/ },
    { name: 'JSON without endpoints', text: '{"app":{"version":"v0.1"}}', error: /no "endpoints" list/ },
    { name: 'a JSON array', text: '[]', error: /no "endpoints" list/ },
  ])('rejects $name, saying why', ({ text, error }) => {
    const result = parseK8tlsReport(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  it.each([
    ['OK', false],
    ['PASS', false],
    ['ok', false],
    ['FAIL', true],
    ['ERROR', true],
  ])('counts status %s as failed: %s', (status, failed) => {
    expect(isFailed({ plugin: 'p', title: 't', status })).toBe(failed);
  });
});
