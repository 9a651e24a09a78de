import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import {
  type ComponentProcess,
  freeLoopbackPorts,
  parseManifests,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { crdDirectory } from '@nimbus-ts/scan-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JSON_SHAPE_LIMITS } from '../../src/admission/json-shape.js';

// Hostile bodies against the webhook as it is deployed: dist/main.js as its own process, configured by its
// environment, serving HTTPS. Its peak RSS (VmHWM) after a flood of 32 concurrent hostile requests must stay under
// the memory limit deployment.yaml gives it, or the kubelet would kill it and, with failurePolicy Fail, the
// namespaces it guards could create no pod.

const WEBHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const DEPLOYMENT = fileURLToPath(
  new URL('../../../../deploy/adapter-admission/deployment.yaml', import.meta.url),
);
const FOUR_MIB = 4 * 1024 * 1024;
const CONCURRENT = 32;

/** The webhook container's memory limit in bytes, as deployed. */
function deployedMemoryLimit(): number {
  const deployment = parseManifests(readFileSync(DEPLOYMENT, 'utf8')).find((o) => o.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: { resources?: { limits?: { memory?: string } } }[] } } } }
    | undefined;
  const limit = deployment?.spec.template.spec.containers[0]?.resources?.limits?.memory ?? '';
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(limit);
  if (!match) throw new Error(`deployment.yaml has no memory limit in Ki, Mi or Gi (got "${limit}")`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[match[2] as 'Ki' | 'Mi' | 'Gi'];
  return Number(match[1]) * unit;
}

/** The process's peak resident set so far, in bytes. */
function peakRss(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return kb * 1024;
}

/** A body of `size` bytes: `{"a":` + `[{},{},…]` (so even a top-level-object check lets it through) + `}`. */
function emptyObjects(size: number): Buffer {
  const count = Math.floor((size - 8) / 3);
  return Buffer.from(`{"a":[${'{},'.repeat(count - 1)}{}]}`);
}

/** A body of `size` bytes nesting arrays as deep as it can: `{"a":[[[[…]]]]}`. */
function deepArrays(size: number): Buffer {
  const depth = Math.floor((size - 7) / 2);
  return Buffer.from(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

/** The largest bodies the shape limits let through to JSON.parse: as many objects, or as many values, as allowed. */
const { maxContainers, maxValues } = DEFAULT_JSON_SHAPE_LIMITS;
const mostObjects = () => Buffer.from(`{"a":[${'{},'.repeat(maxContainers - 3)}{}]}`);
const mostValues = () => Buffer.from(`{"a":[${'1,'.repeat(maxValues - 2)}1]}`);

/** POSTs `body` to the webhook's /validate and resolves with the status (0 when the connection was cut). */
function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/validate?timeout=10s',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('the webhook process under hostile bodies', () => {
  const env = envtest();
  let home: TestNamespace;
  let webhook: ComponentProcess | undefined;
  let port = 0;
  const limit = deployedMemoryLimit();

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    home = await env.namespace('wh-memory');
    [port = 0] = await freeLoopbackPorts(1);
    webhook = startComponentProcess(
      WEBHOOK_MAIN,
      [
        `--kubeconfig=${env.kubeconfigPath}`,
        '--leader-elect=false',
        '--metrics-port=0',
        '--probe-port=0',
        '--log-level=info',
      ],
      {
        env: {
          POD_NAMESPACE: home.name,
          WEBHOOK_PORT: String(port),
          // Requests come straight from the test: no ValidatingWebhookConfiguration to leave behind.
          WEBHOOK_MANAGE_CONFIGURATION: 'false',
        },
      },
    );
    const started = webhook;
    await pollUntil('the webhook to serve', 60_000, () =>
      started.logs.some((l) => l.message === 'serving admission reviews'),
    );
  }, 120_000);
  afterAll(async () => {
    await webhook?.stop('SIGKILL');
    await home?.delete();
  });

  for (const [what, body] of [
    ['a 4 MiB body of [{},{},…]', emptyObjects(FOUR_MIB)],
    ['a 4 MiB body of nested arrays', deepArrays(FOUR_MIB)],
    // Within the limits, so parsed: not AdmissionReviews (400), but each costs the most a parse may.
    ['the most objects the limits allow', mostObjects()],
    ['the most values the limits allow', mostValues()],
  ] as const) {
    it(`answers ${CONCURRENT} concurrent copies of ${what} with 4xx and stays under its memory limit`, async () => {
      const pid = webhook?.child.pid;
      if (pid === undefined) throw new Error('the webhook did not start');
      expect(body.length).toBeLessThanOrEqual(FOUR_MIB);
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: CONCURRENT }, () => post(port, body)));
      const seconds = (performance.now() - started) / 1000;
      const peak = peakRss(pid);
      console.info(
        `${what}: statuses ${[...new Set(statuses)].join(',')}, ${seconds.toFixed(1)} s, peak RSS ` +
          `${(peak / 1024 ** 2).toFixed(0)} MiB of ${(limit / 1024 ** 2).toFixed(0)} MiB`,
      );
      // Every request was answered, each with a client error (413 too large, 429 busy, 400 not a review), never
      // 200 or a reset.
      for (const status of statuses) expect(status >= 400 && status < 500, `status ${status}`).toBe(true);
      expect(peak).toBeLessThan(limit);
      // Still serving: a health check answers.
      expect(webhook?.child.exitCode).toBeNull();
    });
  }
});
