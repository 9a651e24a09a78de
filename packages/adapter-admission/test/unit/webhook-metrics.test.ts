import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookMetrics } from '../../src/webhook/webhook-metrics.js';
import { type Loopback, listen, send } from './admission-http.js';

// The webhook's request metrics, labelled by what the apiserver calls: it appends `?timeout=<n>s` to the
// configured path, so the label must come from the path alone.

describe('WebhookMetrics: requests by path', () => {
  const registry = new Registry();
  const metrics = new WebhookMetrics(registry);
  let server: Loopback;

  beforeAll(async () => {
    server = await listen(
      metrics.instrument((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }),
    );
  });
  afterAll(() => server?.close());

  it.each([
    ['/validate?timeout=10s', '/validate'],
    ['/validate', '/validate'],
    ['/imagepolicy?timeout=30s', '/imagepolicy'],
    ['/healthz', '/healthz'],
    ['/healthz?verbose', '/healthz'],
    ['/validate/extra?timeout=10s', 'other'],
    ['/mutate?timeout=10s', 'other'],
    ['/?/validate', 'other'],
  ])('%s is counted as path="%s"', async (path, label) => {
    const counted = async () =>
      (await registry.getSingleMetric('nimbus_clair_webhook_requests_total')?.get())?.values.find(
        (v) => v.labels.path === label && v.labels.code === '200',
      )?.value ?? 0;
    const before = await counted();
    expect((await send(server.port, { method: 'GET', path })).status).toBe(200);
    // Counted when the answer has gone out ('finish'), which may be a moment after the client read it.
    await expect.poll(counted).toBe(before + 1);
  });

  it('never labels by query or unknown paths, so scanners of random URLs cannot grow the label set', async () => {
    const sent = ['/a?b', '/c', '/validate?x=1&y=2', '/imagepolicy?timeout=5s', '/healthz?x', '/?/healthz'];
    for (const path of sent) await send(server.port, { method: 'GET', path });
    await expect
      .poll(async () => {
        const text = await registry.metrics();
        return [...new Set([...text.matchAll(/path="([^"]*)"/g)].map((m) => m[1]))].sort();
      })
      .toEqual(['/healthz', '/imagepolicy', '/validate', 'other']);
  });
});
