import { describe, expect, it } from 'vitest';
import {
  advisoryLink,
  escapeMrkdwn,
  type FindingsMessageInput,
  findingsMessage,
  fitMrkdwn,
  fitPlain,
  type NotifiableFinding,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackPayload,
  shortImageName,
} from '../../src/index.js';

const DIGEST = 'sha256:3fbc1a2b9c4d5e6f00112233445566778899aabbccddeeff0011223344556677';

function finding(overrides: Partial<NotifiableFinding> = {}): NotifiableFinding {
  return {
    id: 'CVE-2024-1234',
    severity: 'High',
    package: 'openssl',
    installedVersion: '3.0.2',
    fixedVersion: '3.0.8',
    links: ['https://nvd.nist.gov/vuln/detail/CVE-2024-1234'],
    ...overrides,
  };
}

function input(overrides: Partial<FindingsMessageInput> = {}): FindingsMessageInput {
  return {
    kind: 'new-findings',
    namespace: 'default',
    image: { registry: 'docker.io', repository: 'library/nginx', tag: '1.27', digest: DIGEST },
    threshold: 'High',
    findings: [finding()],
    ...overrides,
  };
}

/** Every mrkdwn and plain text of a payload, with where it sits. */
function texts(payload: SlackPayload): { where: string; text: string }[] {
  const out = [{ where: 'text', text: payload.text }];
  for (const block of payload.blocks) {
    if ('text' in block) out.push({ where: block.type, text: block.text.text });
    if ('fields' in block) for (const f of block.fields) out.push({ where: 'field', text: f.text });
    if ('elements' in block) for (const e of block.elements) out.push({ where: 'context', text: e.text });
  }
  return out;
}

function listText(payload: SlackPayload): string {
  return payload.blocks
    .filter(
      (b): b is Extract<SlackBlock, { type: 'section'; text: unknown }> =>
        b.type === 'section' && 'text' in b,
    )
    .map((b) => b.text.text)
    .join('\n');
}

/** Slack's limits, as assertions. */
function expectWithinLimits(payload: SlackPayload): void {
  expect(payload.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of payload.blocks) {
    if (block.type === 'header')
      expect([...block.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (block.type === 'section' && 'text' in block) {
      expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    if ('fields' in block) {
      expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of block.fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
  }
}

describe('escapeMrkdwn and fitMrkdwn', () => {
  it.each([
    ['plain', 'openssl 3.0.2', 'openssl 3.0.2'],
    ['ampersand', 'a & b', 'a &amp; b'],
    ['a mention', '<!channel>', '&lt;!channel&gt;'],
    ['a forged link', '<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['an entity already', '&amp;', '&amp;amp;'],
  ])('escapes %s', (_name, raw, escaped) => {
    expect(escapeMrkdwn(raw)).toBe(escaped);
  });

  it.each([
    ['fits', 'abc', 3, 'abc'],
    ['cut with an ellipsis', 'abcdef', 4, 'abc…'],
    ['never splits an entity', 'ab&cd', 6, 'ab…'],
    ['counts escaped length', '&&&&', 10, '&amp;…'],
    ['keeps surrogate pairs whole', '😀😀😀', 4, '😀…'],
  ])('%s', (_name, raw, max, fitted) => {
    const out = fitMrkdwn(raw, max);
    expect(out).toBe(fitted);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  it('cuts plain text by code points', () => {
    expect(fitPlain('abcdef', 4)).toBe('abc…');
    expect(fitPlain('abc', 3)).toBe('abc');
  });
});

describe('shortImageName', () => {
  it.each([
    [{ repository: 'library/nginx', digest: DIGEST }, 'library/nginx@sha256:3fbc1a2b9c4d'],
    [{ repository: 'app', digest: 'not-a-digest' }, 'app@not-a-digest'],
  ])('%o → %s', (image, name) => {
    expect(shortImageName(image)).toBe(name);
  });
});

describe('advisoryLink', () => {
  it.each([
    ['the first http(s) URL', ['ftp://x/y', 'https://a.example/CVE-1'], '<https://a.example/CVE-1|CVE-1>'],
    ['none', [], undefined],
    ['only unusable ones', ['javascript:alert(1)', 'not a url'], undefined],
    ['escapes & in the query', ['https://a.example/?a=1&b=2'], '<https://a.example/?a=1&amp;b=2|CVE-1>'],
    ['encodes | and <>', ['https://a.example/x|y<z>'], '<https://a.example/x%7Cy%3Cz%3E|CVE-1>'],
    ['skips absurdly long URLs', [`https://a.example/${'x'.repeat(2000)}`], undefined],
  ])('%s', (_name, links, expected) => {
    expect(advisoryLink(links, 'CVE-1')).toBe(expected);
  });
});

describe('findingsMessage', () => {
  it('names the image, namespace, counts and each new finding with its link and fix', () => {
    const payload = findingsMessage(
      input({
        findings: [
          finding({
            id: 'CVE-2',
            severity: 'High',
            package: 'zlib1g',
            installedVersion: '1.2',
            fixedVersion: '',
          }),
          finding({ id: 'CVE-1', severity: 'Critical', links: ['https://nvd.example/CVE-1'] }),
        ],
        summary: { critical: 1, high: 4, medium: 2, low: 7, negligible: 0, unknown: 1 },
        policy: 'no-critical-cves',
        source: 'rescan',
        time: new Date('2026-09-01T10:00:00Z'),
      }),
    );
    expectWithinLimits(payload);
    expect(payload.text).toBe(
      '2 new vulnerabilities at or above High in default: library/nginx@sha256:3fbc1a2b9c4d (1 Critical, 1 High)',
    );
    expect(payload.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'New vulnerabilities in default' },
    });
    const all = texts(payload).map((t) => t.text);
    expect(all).toContain('*Image*\nlibrary/nginx@sha256:3fbc1a2b9c4d\nfrom docker.io, tag 1.27');
    expect(all).toContain('*Namespace*\ndefault');
    expect(all).toContain('*New*\n2 (1 Critical, 1 High)');
    expect(all).toContain(
      '*All findings in the image*\nCritical 1 · High 4 · Medium 2 · Low 7 · Negligible 0 · Unknown 1',
    );
    expect(all).toContain('*Policy*\nno-critical-cves');
    expect(listText(payload)).toBe(
      '• *Critical* <https://nvd.example/CVE-1|CVE-1>  `openssl 3.0.2` → `3.0.8`\n' +
        '• *High* <https://nvd.nist.gov/vuln/detail/CVE-2024-1234|CVE-2>  `zlib1g 1.2` → no fix yet',
    );
    expect(payload.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'source: rescan · 2026-09-01T10:00:00.000Z' }],
    });
  });

  it('words the first message about an image as crossing the threshold', () => {
    const payload = findingsMessage(input({ kind: 'threshold-crossed' }));
    expect(payload.text).toBe(
      'library/nginx@sha256:3fbc1a2b9c4d in default has 1 vulnerability at or above High (1 High)',
    );
    expect(payload.blocks[0]).toMatchObject({
      text: { text: 'Vulnerabilities at or above High in default' },
    });
    expect(texts(payload).map((t) => t.text)).toContain('*At or above High*\n1 (1 High)');
  });

  it('shows one line per vulnerability, listing its packages', () => {
    const payload = findingsMessage(
      input({
        findings: ['libssl3', 'openssl', 'libssl-dev', 'openssl-doc', 'libcrypto'].map((pkg) =>
          finding({ package: pkg }),
        ),
      }),
    );
    expect(payload.text).toMatch(/^1 new vulnerability /);
    expect(listText(payload)).toBe(
      '• *High* <https://nvd.nist.gov/vuln/detail/CVE-2024-1234|CVE-2024-1234>  ' +
        '`libcrypto 3.0.2` → `3.0.8`, `libssl-dev 3.0.2` → `3.0.8`, `libssl3 3.0.2` → `3.0.8`, +2 more packages',
    );
  });

  it('lists the most severe first, Unknown after the rated ones', () => {
    const payload = findingsMessage(
      input({
        threshold: 'Low',
        findings: [
          finding({ id: 'A', severity: 'Unknown' }),
          finding({ id: 'B', severity: 'Low' }),
          finding({ id: 'C', severity: 'Critical' }),
          finding({ id: 'D', severity: 'Medium', fixedVersion: '' }),
          finding({ id: 'E', severity: 'Medium' }),
        ],
      }),
    );
    const order = [...listText(payload).matchAll(/\|([A-E])>/g)].map((m) => m[1]);
    expect(order).toEqual(['C', 'E', 'D', 'B', 'A']);
  });

  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => finding({ id: `CVE-2024-${String(i).padStart(5, '0')}` }));

  it.each([
    { name: 'fewer than the cap', count: 3, maxListed: 20, listed: 3, more: undefined },
    { name: 'exactly the cap', count: 20, maxListed: 20, listed: 20, more: undefined },
    { name: 'over the cap', count: 25, maxListed: 20, listed: 20, more: 5 },
    { name: 'a cap of one', count: 4, maxListed: 1, listed: 1, more: 3 },
    { name: 'a cap of zero', count: 2, maxListed: 0, listed: 0, more: 2 },
  ])('lists at most maxListed and counts the rest: $name', ({ count, maxListed, listed, more }) => {
    const payload = findingsMessage(input({ findings: many(count), maxListed }));
    expectWithinLimits(payload);
    const list = listText(payload);
    expect(list.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(listed);
    if (more === undefined) expect(list).not.toMatch(/more$/);
    else expect(list).toMatch(new RegExp(`…and ${more} more$`));
  });

  it('stays within every Slack limit with huge inputs, cutting rather than failing', () => {
    const long = (c: string, n: number) => c.repeat(n);
    const findings = Array.from({ length: 600 }, (_, i) =>
      finding({
        id: `${long('&', 300)}${i}`,
        package: long('<', 400),
        installedVersion: long('>', 200),
        fixedVersion: long('&', 200),
        links: [`https://a.example/${long('x', 900)}?q=${i}`],
      }),
    );
    const payload = findingsMessage(
      input({
        findings,
        namespace: long('n', 300),
        image: { repository: long('r', 5000), digest: DIGEST, registry: long('&', 3000) },
        policy: long('<', 3000),
        source: long('&', 5000),
        maxListed: 600,
      }),
    );
    expectWithinLimits(payload);
    expect(listText(payload)).toMatch(/…and \d+ more$/);
    // Nothing unescaped slips through: every < or > is part of a link we built.
    for (const { text } of texts(payload)) {
      expect(text.replace(/<https:\/\/[^<>|]+\|[^<>]+>/g, '')).not.toMatch(/[<>]/);
    }
  });

  it('keeps formatting characters of package names inside code spans and replaces backticks', () => {
    const payload = findingsMessage(
      input({ findings: [finding({ package: 'python_date_util*', installedVersion: '1`2' })] }),
    );
    expect(listText(payload)).toContain("`python_date_util* 1'2` → `3.0.8`");
  });

  it('escapes untrusted text everywhere', () => {
    const payload = findingsMessage(
      input({
        namespace: 'a&b',
        findings: [finding({ id: '<!channel>', links: [] })],
        policy: '<@U123>',
      }),
    );
    const all = texts(payload);
    for (const { where, text } of all) {
      if (where === 'header') continue; // plain_text: Slack shows it verbatim
      expect(text).not.toMatch(/<!channel>|<@U123>|a&b/);
    }
    expect(listText(payload)).toContain('&lt;!channel&gt;');
  });
});
