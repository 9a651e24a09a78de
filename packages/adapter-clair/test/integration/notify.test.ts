import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClairNotification } from '@nimbus-ts/clair-client';
import { ClairClient } from '@nimbus-ts/clair-client';
import { generatePskKey, mintClairToken } from '@nimbus-ts/scan-testenv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClairDelivery,
  type ClairWebhookServer,
  findingsMessage,
  type ProcessedNotification,
  processNotification,
  type SlackOutcome,
  type SlackPayload,
  SlackSender,
  startClairWebhook,
} from '../../src/index.js';

// Real local servers only: a Slack stand-in and a Clair notifier stand-in served by node:http, talking to
// the adapter's own sender, webhook receiver and Clair client. Timing is judged from the timestamps the
// stand-ins record, never from how long the test took.

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One request the Slack stand-in got. */
interface SlackRequest {
  /** performance.now() when the request arrived. */
  readonly arrivedAt: number;
  /** performance.now() when the answer was written. */
  answeredAt: number;
  readonly text: string;
  status: number;
  retryAfterSeconds?: number;
}

/**
 * A Slack incoming webhook on loopback: answers the scripted statuses first (429 with `Retry-After`, 5xx),
 * then 200 `ok`, and records when each request arrived and was answered, and whether two overlapped.
 */
async function startSlack(script: readonly { status: number; retryAfterSeconds?: number }[]) {
  const requests: SlackRequest[] = [];
  let inFlight = 0;
  let overlapped = false;
  const { server, url } = await listen(async (req, res) => {
    const arrivedAt = performance.now();
    inFlight++;
    if (inFlight > 1) overlapped = true;
    const body = JSON.parse(await readAll(req)) as SlackPayload;
    const scripted = script[requests.length];
    const record: SlackRequest = {
      arrivedAt,
      answeredAt: 0,
      text: body.text,
      status: scripted?.status ?? 200,
    };
    requests.push(record);
    if (scripted?.retryAfterSeconds !== undefined) {
      record.retryAfterSeconds = scripted.retryAfterSeconds;
      res.setHeader('retry-after', String(scripted.retryAfterSeconds));
    }
    res.writeHead(record.status, { 'content-type': 'text/plain' });
    inFlight--;
    res.end(record.status === 200 ? 'ok' : record.status === 429 ? 'rate_limited' : 'rollup_error', () => {
      record.answeredAt = performance.now();
    });
  });
  return {
    server,
    webhookUrl: `${url}/services/T0001/B0001/s3cr3t-path`,
    requests,
    overlapped: () => overlapped,
    accepted: () => requests.filter((r) => r.status === 200).map((r) => r.text),
  };
}

const message = (n: number): SlackPayload =>
  findingsMessage({
    kind: 'new-findings',
    namespace: 'default',
    image: { repository: 'library/nginx', digest: `sha256:${String(n).repeat(64).slice(0, 64)}` },
    threshold: 'High',
    findings: [
      {
        id: `CVE-2099-${n}`,
        severity: 'High',
        package: 'openssl',
        installedVersion: '3.0.2',
        fixedVersion: '3.0.8',
      },
    ],
  });

describe('SlackSender against a local Slack webhook', () => {
  let slack: Awaited<ReturnType<typeof startSlack>> | undefined;
  afterEach(() => close(slack?.server));

  it('delivers every message once and in order, sending nothing before a Retry-After has elapsed', async () => {
    slack = await startSlack([
      { status: 429, retryAfterSeconds: 1 },
      { status: 429, retryAfterSeconds: 2 },
    ]);
    const webhook = { url: slack.webhookUrl, name: 'test/slack#url' };
    const outcomes: SlackOutcome[] = [];
    const sender = new SlackSender({ onOutcome: (o) => outcomes.push(o) });
    const sent = [1, 2, 3, 4].map((n) => message(n));
    await Promise.all(sent.map((payload, i) => sender.send(webhook, payload, `m${i}`)));
    await sender.close();

    expect(slack.accepted()).toEqual(sent.map((p) => p.text));
    expect(outcomes.map((o) => [o.tag, o.status])).toEqual([
      ['m0', 'sent'],
      ['m1', 'sent'],
      ['m2', 'sent'],
      ['m3', 'sent'],
    ]);
    expect(outcomes[0]).toMatchObject({ attempts: 3 });
    expect(JSON.stringify(outcomes)).not.toContain('s3cr3t');
    expect(slack.overlapped()).toBe(false);
    // The receiver's own clock: the request after each 429 arrived no earlier than Retry-After after it.
    const { requests } = slack;
    for (const [i, request] of requests.entries()) {
      if (request.status !== 429) continue;
      const next = requests[i + 1];
      expect(next, `a request after 429 #${i}`).toBeDefined();
      expect((next?.arrivedAt ?? 0) - request.answeredAt).toBeGreaterThanOrEqual(
        (request.retryAfterSeconds ?? 0) * 1000,
      );
    }
    // After the wait the queue resumes paced (about 1/s), not in a burst that would be refused again. A burst
    // arrives within milliseconds; half the pace is a bound that timer jitter on a loaded machine cannot break.
    const accepted = requests.filter((r) => r.status === 200);
    for (let i = 1; i < accepted.length; i++) {
      expect((accepted[i]?.arrivedAt ?? 0) - (accepted[i - 1]?.arrivedAt ?? 0)).toBeGreaterThanOrEqual(500);
    }
  });

  it('retries a 5xx and still delivers once', async () => {
    slack = await startSlack([{ status: 500 }, { status: 503 }]);
    const sender = new SlackSender({ backoffMs: 50 });
    const outcome = await sender.send({ url: slack.webhookUrl }, message(7));
    expect(outcome).toMatchObject({ status: 'sent', attempts: 3 });
    expect(slack.accepted()).toEqual([message(7).text]);
    await sender.close();
  });
});

/** A Clair notifier API on loopback: pages of a notification set, and DELETE, recording every request. */
async function startFakeNotifier(
  sets: Record<string, { pages: ClairNotification[][]; deleteStatus: number }>,
) {
  const requests: { method: string; path: string; query: Record<string, string>; authorized: boolean }[] = [];
  const cursor = (i: number) => `0f8a5b8c-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const { server, url } = await listen(async (req, res) => {
    await readAll(req);
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({
      method: req.method ?? '',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      authorized: /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(req.headers.authorization ?? ''),
    });
    const id = u.pathname.replace('/notifier/api/v1/notification/', '');
    const set = sets[id];
    if (!set) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'DELETE') {
      const body =
        set.deleteStatus === 200
          ? ''
          : JSON.stringify({
              code: 'internal-server-error',
              message: 'could not delete notification: no receipt exists for notification id',
            });
      res.writeHead(set.deleteStatus, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const next = u.searchParams.get('next');
    const index = next === null ? 0 : Number(next.slice(-12));
    const size = Number(u.searchParams.get('page_size') ?? 500);
    const last = index >= set.pages.length - 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        page: { size, ...(last ? {} : { next: cursor(index + 1) }) },
        notifications: set.pages[index] ?? [],
      }),
    );
  });
  return { server, url, requests };
}

const note = (manifest: string, name: string): ClairNotification => ({
  id: `${name}-n`,
  manifest,
  reason: 'added',
  vulnerability: { name, description: '', severity: 'High', fixed_in_version: '1.1', links: '' },
});

describe('the Clair webhook receiver', () => {
  const PSK = generatePskKey();
  const SET = 'a1b2c3d4-0000-4000-8000-000000000001';
  const ACKED = 'a1b2c3d4-0000-4000-8000-000000000002';
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  let notifier: Awaited<ReturnType<typeof startFakeNotifier>>;
  let receiver: ClairWebhookServer;
  const processed = new Map<string, { result: ProcessedNotification; digests: readonly string[] }>();
  const waiters = new Map<string, () => void>();

  beforeAll(async () => {
    notifier = await startFakeNotifier({
      [SET]: {
        pages: [
          [note(d('b'), 'CVE-1'), note(d('a'), 'CVE-2')],
          [note(d('a'), 'CVE-3'), note(d('c'), 'CVE-4')],
          [note(d('d'), 'CVE-5')],
        ],
        deleteStatus: 200,
      },
      [ACKED]: { pages: [[note(d('e'), 'CVE-6')]], deleteStatus: 500 },
    });
    const clair = new ClairClient({ url: notifier.url, auth: { key: PSK, issuer: 'nimbus-ts-test' } });
    receiver = await startClairWebhook({
      pskKey: PSK,
      host: '127.0.0.1',
      maxBodyBytes: 64 * 1024,
      onNotification: async ({ notificationId }: ClairDelivery) => {
        let digests: readonly string[] = [];
        const result = await processNotification(
          clair,
          notificationId,
          (affected) => {
            digests = affected;
          },
          { pageSize: 2 },
        );
        processed.set(notificationId, { result, digests });
        waiters.get(notificationId)?.();
      },
    });
  });

  afterAll(async () => {
    await receiver?.close();
    await close(notifier?.server);
  });

  const delivered = (id: string) =>
    processed.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(id, resolve));

  const post = (init: {
    body?: string | Buffer;
    token?: string | null;
    contentType?: string;
    method?: string;
    path?: string;
  }) => {
    const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
    const token = init.token === undefined ? mintClairToken(PSK, 'clair-notifier') : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const url = init.path ? new URL(init.path, receiver.url) : receiver.url;
    return fetch(url, {
      method: init.method ?? 'POST',
      headers,
      ...(init.method === 'GET'
        ? {}
        : { body: init.body ?? JSON.stringify({ notification_id: SET, callback: 'x' }) }),
    });
  };

  it.each([
    { name: 'no Authorization header', request: { token: null }, status: 401 },
    {
      name: 'a JWT signed with another key',
      request: { token: mintClairToken(generatePskKey(), 'clair-notifier') },
      status: 401,
    },
    { name: 'a JWT from another issuer', request: { token: mintClairToken(PSK, 'clairctl') }, status: 401 },
    {
      name: 'an expired JWT',
      request: { token: mintClairToken(PSK, 'clair-notifier', { now: 1_000_000 }) },
      status: 401,
    },
    { name: 'not a JWT', request: { token: 'hello' }, status: 401 },
    { name: 'a text/plain body', request: { contentType: 'text/plain' }, status: 415 },
    {
      name: 'a body over 64 KiB',
      request: { body: JSON.stringify({ pad: 'x'.repeat(100 * 1024) }) },
      status: 413,
    },
    {
      name: 'a body over the drain limit',
      request: { body: Buffer.alloc(3 * 1024 * 1024, 0x20) },
      status: 413,
    },
    { name: 'malformed JSON', request: { body: '{"notification_id": ' }, status: 400 },
    {
      name: 'JSON that is not a delivery',
      request: { body: '{"notification_id": "../../admin"}' },
      status: 400,
    },
    { name: 'a JSON array', request: { body: '[]' }, status: 400 },
    { name: 'GET', request: { method: 'GET' }, status: 405 },
    { name: 'PUT', request: { method: 'PUT' }, status: 405 },
    { name: 'another path', request: { path: '/metrics' }, status: 404 },
  ])('answers $status to $name, and keeps serving', async ({ request, status }) => {
    // Relative to before: the valid deliveries below may have run first.
    const before = processed.size;
    const res = await post(request);
    await res.body?.cancel();
    expect(res.status).toBe(status);
    // Refused before processing starts, so the answer is the whole of it.
    expect(processed.size).toBe(before);
  });

  it('answers exactly 200 to a valid delivery, then pages through the set with one page_size and DELETEs it', async () => {
    const res = await post({});
    expect(res.status).toBe(200);
    await res.body?.cancel();
    await delivered(SET);
    expect(processed.get(SET)).toEqual({
      result: { notificationId: SET, pages: 3, notifications: 5, manifests: 4, acknowledged: 'deleted' },
      digests: [d('a'), d('b'), d('c'), d('d')],
    });
    const calls = notifier.requests.filter((r) => r.path.endsWith(SET));
    expect(calls.map((r) => [r.method, r.query.page_size, r.query.next ?? '-'])).toEqual([
      ['GET', '2', '-'],
      ['GET', '2', '0f8a5b8c-0000-4000-8000-000000000001'],
      ['GET', '2', '0f8a5b8c-0000-4000-8000-000000000002'],
      ['DELETE', undefined, '-'],
    ]);
    expect(calls.every((r) => r.authorized)).toBe(true);
  });

  it('counts Clair’s 500 "no receipt exists" on DELETE as already acknowledged', async () => {
    const res = await post({
      body: JSON.stringify({ notification_id: ACKED, callback: `${notifier.url}/x` }),
    });
    expect(res.status).toBe(200);
    await delivered(ACKED);
    expect(processed.get(ACKED)?.result).toMatchObject({ acknowledged: 'already', manifests: 1 });
  });
});
