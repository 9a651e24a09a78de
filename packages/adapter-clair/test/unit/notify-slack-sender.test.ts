import { describe, expect, it, vi } from 'vitest';
import {
  type SlackFetch,
  type SlackOutcome,
  type SlackPayload,
  SlackSender,
  type SlackSenderOptions,
  webhookName,
} from '../../src/index.js';

const URL = 'https://hooks.slack.com/services/T000/B000/SECRETSECRETSECRET';
const payload = (text: string): SlackPayload => ({ text, blocks: [] });

type Answer = number | [number, string, Record<string, string>?] | Error;

/** A network that answers from a script, records bodies, and tracks how many requests overlap. */
function network(script: Answer[]) {
  const bodies: string[] = [];
  const at: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch: SlackFetch = async (_url, init) => {
    at.push(performance.now());
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, 1));
      bodies.push(String(init.body));
      const answer = script.shift() ?? 200;
      if (answer instanceof Error) throw answer;
      const [status, body, headers] = typeof answer === 'number' ? [answer, 'ok', {}] : answer;
      return new Response(body, { status, headers: headers ?? {} });
    } finally {
      inFlight--;
    }
  };
  return { fetch, bodies, at, maxInFlight: () => maxInFlight };
}

function sender(fetch: SlackFetch, options: SlackSenderOptions = {}) {
  const outcomes: SlackOutcome[] = [];
  const s = new SlackSender({
    fetch,
    ratePerSecond: 1000,
    burst: 10,
    backoffMs: 1,
    maxBackoffMs: 2,
    onOutcome: (o) => outcomes.push(o),
    ...options,
  });
  return { s, outcomes };
}

const texts = (bodies: string[]) => bodies.map((b) => (JSON.parse(b) as SlackPayload).text);

describe('SlackSender', () => {
  const cases: {
    name: string;
    script: Answer[];
    options?: SlackSenderOptions;
    outcome: Partial<SlackOutcome>;
    requests: number;
  }[] = [
    { name: '200 ok', script: [200], outcome: { status: 'sent', attempts: 1 }, requests: 1 },
    {
      name: '400 invalid_payload is not retried',
      script: [[400, 'invalid_payload']],
      outcome: {
        status: 'dropped',
        reason: 'rejected',
        httpStatus: 400,
        detail: 'invalid_payload',
        attempts: 1,
      },
      requests: 1,
    },
    {
      name: '404 no_service (a revoked URL) is not retried',
      script: [[404, 'no_service']],
      outcome: { status: 'dropped', reason: 'rejected', httpStatus: 404, detail: 'no_service' },
      requests: 1,
    },
    {
      name: '410 channel_is_archived is not retried',
      script: [[410, 'channel_is_archived']],
      outcome: { status: 'dropped', reason: 'rejected', httpStatus: 410 },
      requests: 1,
    },
    {
      name: 'a 500 rollup_error then 200',
      script: [[500, 'rollup_error'], 200],
      outcome: { status: 'sent', attempts: 2 },
      requests: 2,
    },
    {
      name: '5xx on every attempt',
      script: [503, 502, 500],
      options: { maxAttempts: 3 },
      outcome: { status: 'dropped', reason: 'retries-exhausted', httpStatus: 500, attempts: 3 },
      requests: 3,
    },
    {
      name: 'a refused connection, then 200',
      script: [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 200],
      outcome: { status: 'sent', attempts: 2 },
      requests: 2,
    },
    {
      name: '429 on every attempt',
      script: [
        [429, 'rate_limited', { 'retry-after': '0' }],
        [429, 'rate_limited', { 'retry-after': '0' }],
      ],
      options: { maxRateLimited: 2 },
      outcome: { status: 'dropped', reason: 'retries-exhausted', httpStatus: 429, attempts: 2 },
      requests: 2,
    },
  ];

  it.each(cases)('$name', async ({ script, options, outcome, requests }) => {
    const net = network(script);
    const { s, outcomes } = sender(net.fetch, options);
    const result = await s.send({ url: URL }, payload('m'), 'report-1');
    expect(result).toMatchObject({ ...outcome, webhook: webhookName(URL), tag: 'report-1' });
    expect(outcomes).toEqual([result]);
    expect(net.bodies).toHaveLength(requests);
  });

  it('keeps the order, one request at a time, through retries', async () => {
    const net = network([200, [500, 'rollup_error'], 200, [429, '', { 'retry-after': '0' }], 200, 200]);
    const { s } = sender(net.fetch);
    const results = await Promise.all(['1', '2', '3', '4', '5'].map((t) => s.send({ url: URL }, payload(t))));
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(texts(net.bodies)).toEqual(['1', '2', '2', '3', '3', '4', '5']);
    expect(net.maxInFlight()).toBe(1);
  });

  it('drops the newest message when the queue of a webhook is full, and only for that webhook', async () => {
    const net = network([]);
    const { s } = sender(net.fetch, { maxQueue: 2 });
    const first = s.send({ url: URL }, payload('1'));
    const second = s.send({ url: URL }, payload('2'));
    const third = s.send({ url: URL }, payload('3'));
    const elsewhere = s.send({ url: `${URL}-other` }, payload('x'));
    expect(await third).toMatchObject({ status: 'dropped', reason: 'queue-full' });
    expect((await Promise.all([first, second, elsewhere])).map((r) => r.status)).toEqual([
      'sent',
      'sent',
      'sent',
    ]);
  });

  it('refuses URLs that are not http(s) without a request', async () => {
    const net = network([]);
    const { s } = sender(net.fetch);
    expect(await s.send({ url: 'file:///etc/passwd' }, payload('m'))).toMatchObject({
      reason: 'invalid-url',
    });
    expect(await s.send({ url: 'not a url' }, payload('m'))).toMatchObject({ reason: 'invalid-url' });
    expect(net.bodies).toEqual([]);
  });

  it('ends every queued message as stopped on close, and refuses later ones', async () => {
    const net = network([[429, '', { 'retry-after': '3600' }]]);
    const { s, outcomes } = sender(net.fetch);
    const pending = [s.send({ url: URL }, payload('1')), s.send({ url: URL }, payload('2'))];
    // Closed while the first message waits out its hour-long Retry-After, the second behind it.
    await vi.waitFor(() => expect(net.bodies).toHaveLength(1));
    await s.close();
    expect((await Promise.all(pending)).map((r) => r.status === 'dropped' && r.reason)).toEqual([
      'stopped',
      'stopped',
    ]);
    expect(await s.send({ url: URL }, payload('3'))).toMatchObject({ reason: 'stopped' });
    expect(outcomes).toHaveLength(3);
  });

  it('never puts the webhook URL in an outcome, whatever the error says', async () => {
    const leaky = Object.assign(new TypeError(`fetch failed for ${URL}`), {
      cause: new Error(`connect ${URL}`),
    });
    const net = network([leaky, leaky, [400, `invalid_payload for ${URL}`.slice(0, 10)]]);
    const { s, outcomes } = sender(net.fetch, { maxAttempts: 2 });
    await s.send({ url: URL }, payload('1'));
    await s.send({ url: URL, name: 'team-a/slack#url' }, payload('2'));
    expect(outcomes.map((o) => o.webhook)).toEqual([webhookName(URL), 'team-a/slack#url']);
    expect(JSON.stringify(outcomes)).not.toContain('SECRET');
    expect(webhookName(URL)).toMatch(/^slack-webhook:[0-9a-f]{12}$/);
  });

  it('survives an outcome callback that throws', async () => {
    const net = network([200]);
    const s = new SlackSender({
      fetch: net.fetch,
      onOutcome: () => {
        throw new Error('metrics are broken');
      },
    });
    expect(await s.send({ url: URL }, payload('m'))).toMatchObject({ status: 'sent' });
  });

  it('holds back a burst beyond its size to the sustained rate', async () => {
    const net = network([]);
    const { s } = sender(net.fetch, { ratePerSecond: 20, burst: 2 });
    await Promise.all(['1', '2', '3', '4'].map((t) => s.send({ url: URL }, payload(t))));
    expect(texts(net.bodies)).toEqual(['1', '2', '3', '4']);
    // Two go at once; the others wait for a token each (50 ms at 20/s), measured where the requests land.
    const [first = 0, , third = 0, fourth = 0] = net.at;
    expect(third - first).toBeGreaterThanOrEqual(45);
    expect(fourth - first).toBeGreaterThanOrEqual(95);
  });
});
