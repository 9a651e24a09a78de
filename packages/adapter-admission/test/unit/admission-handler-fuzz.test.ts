// Property test: whatever arrives — random bytes, random JSON, valid reviews with parts replaced or
// removed, any method, path or content type — the handler answers with a well-formed HTTP response, never
// 500 (a 500 is a bug: every input has a defined answer), never crashes, never leaves a rejection
// unhandled, and a 200 to an AdmissionReview always echoes its uid. Seeded, so a failure replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAdmissionHandler,
  type ImageAdmissionPolicyView,
  type VulnerabilityVerdict,
} from '../../src/admission/index.js';
import { admissionRequest, admissionReview, imageReview, pod, policy } from './admission-fixtures.js';
import { type Answer, type Loopback, listen, send } from './admission-http.js';

/** mulberry32: a tiny seeded PRNG, enough to make random cases reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed_ad31;
const CASES = 600;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const KEYS = [
  'apiVersion',
  'kind',
  'request',
  'uid',
  'object',
  'spec',
  'containers',
  'image',
  'name',
  'labels',
  'metadata',
  'operation',
  '__proto__',
  'constructor',
  'toString',
  'template',
  '',
];
const STRINGS = [
  '',
  'nginx',
  'nginx:latest',
  'Nginx',
  'admission.k8s.io/v1',
  'AdmissionReview',
  'Pod',
  'CREATE',
  'UPDATE',
  'apps',
  'ImageReview',
  'imagepolicy.k8s.io/v1alpha1',
  '\u0000\n',
  'é'.repeat(300),
  `a@sha256:${'0'.repeat(64)}`,
];

function randomJson(random: Random, depth = 0): unknown {
  const roll = random();
  if (depth > 4 || roll < 0.3) {
    return pick(random, [null, true, false, 0, -1, 1e308, 3.5, Number.MAX_SAFE_INTEGER, ...STRINGS]);
  }
  if (roll < 0.55)
    return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) {
    // defineProperty makes even `__proto__` an own, serialised key, as JSON.parse on the server makes it.
    Object.defineProperty(object, pick(random, KEYS), {
      value: randomJson(random, depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return object;
}

/** Every path to a value inside `value`, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths((value as Record<string, unknown>)[key], [...prefix, key]))];
}

/** Values of the wrong type that parsers trip over: what a field is replaced by half of the time. */
const CONFUSING = [null, [], {}, '', 0, true, 'x'];

/**
 * A copy of `value` with one to three values replaced or removed. Objects and arrays are picked more often
 * than leaves, and wrong-typed values more often than random ones: that is where readers of JSON go wrong.
 */
function mutate(random: Random, value: unknown): unknown {
  const copy = structuredClone(value);
  const all = paths(copy).filter((path) => path.length > 0);
  // Paths are listed before mutating, so a later one may lead through a value already replaced.
  const at = (path: (string | number)[]) =>
    path.reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null
          ? (node as Record<string | number, unknown>)[key]
          : undefined,
      copy,
    );
  const structural = all.filter((path) => typeof at(path) === 'object' && at(path) !== null);
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const path = pick(random, random() < 0.6 && structural.length > 0 ? structural : all);
    const parent = at(path.slice(0, -1));
    if (typeof parent !== 'object' || parent === null) continue;
    const container = parent as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (random() < 0.2 && !Array.isArray(container)) delete container[last];
    else container[last] = random() < 0.5 ? structuredClone(pick(random, CONFUSING)) : randomJson(random);
  }
  return copy;
}

function validBodies(random: Random): unknown[] {
  const images = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, STRINGS));
  const deployment = {
    metadata: { name: 'web' },
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: pod(images).spec } },
  };
  return [
    admissionReview(admissionRequest({ object: pod(images) })),
    admissionReview(
      admissionRequest({ operation: 'UPDATE', object: pod(images), oldObject: pod(['nginx:1']) }),
    ),
    admissionReview(
      admissionRequest({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, object: deployment }),
    ),
    imageReview(images),
  ];
}

interface Case {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string | Buffer;
  readonly parsed: unknown;
}

function randomCase(random: Random): Case {
  const kind = random();
  let body: string | Buffer;
  if (kind < 0.1) {
    body = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  } else if (kind < 0.3) {
    body = JSON.stringify(randomJson(random));
  } else if (kind < 0.4) {
    const text = JSON.stringify(pick(random, validBodies(random)));
    body = text.slice(0, Math.floor(random() * text.length));
  } else if (kind < 0.5) {
    body = JSON.stringify(pick(random, validBodies(random)));
  } else {
    body = JSON.stringify(mutate(random, pick(random, validBodies(random))));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString());
  } catch {
    parsed = undefined;
  }
  return {
    method: random() < 0.9 ? 'POST' : pick(random, ['GET', 'PUT', 'DELETE', 'HEAD']),
    path:
      random() < 0.9
        ? pick(random, ['/validate', '/imagepolicy', '/validate?timeout=10s'])
        : pick(random, ['/healthz', '/', '/nope']),
    contentType:
      random() < 0.85
        ? pick(random, ['application/json', 'application/json; charset=utf-8'])
        : pick(random, [undefined, 'text/plain', 'application/json; charset=latin1', '']),
    body,
    parsed,
  };
}

const ALLOWED_STATUSES = new Set([200, 400, 404, 405, 413, 415]);

function requestUid(parsed: unknown): unknown {
  const request = (parsed as { request?: { uid?: unknown } } | undefined)?.request;
  return typeof request === 'object' && request !== null ? request.uid : undefined;
}

/** The properties every answer has; returns a description of the first one broken, or undefined. */
function brokenProperty(testCase: Case, answer: Answer): string | undefined {
  if (!ALLOWED_STATUSES.has(answer.status)) return `status ${answer.status}`;
  if (testCase.method === 'HEAD') return undefined;
  const path = testCase.path.split('?')[0];
  if (path === '/healthz' && answer.status === 200) return answer.text === 'ok' ? undefined : 'healthz body';
  if (answer.headers['content-type'] !== 'application/json')
    return `content type ${answer.headers['content-type']}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return 'a body that is not JSON';
  }
  if (answer.status !== 200) {
    return typeof body.message === 'string' && body.code === answer.status
      ? undefined
      : 'an error body without code and message';
  }
  if (path === '/validate') {
    const response = body.response as { uid?: unknown; allowed?: unknown } | undefined;
    if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview')
      return 'not an AdmissionReview';
    if (response?.uid !== requestUid(testCase.parsed)) return 'the uid is not echoed';
    if (typeof response?.allowed !== 'boolean') return 'no allowed';
    return undefined;
  }
  const status = body.status as { allowed?: unknown } | undefined;
  return body.kind === 'ImageReview' && typeof status?.allowed === 'boolean'
    ? undefined
    : 'not an ImageReview answer';
}

describe('createAdmissionHandler under random input', () => {
  let server: Loopback;
  const errors: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    const random = prng(SEED ^ 0xabcdef);
    const policies: ImageAdmissionPolicyView[] = [
      policy('latest', { disallowLatestTag: { action: 'Block' } }),
      policy('registries', {
        selector: { matchLabels: { app: 'web' } },
        allowedRegistries: { action: 'Audit', registries: ['docker.io', 'ghcr.io/org'] },
      }),
      policy('cves', {
        blockVulnerableImages: {
          action: 'Block',
          severityThreshold: 'High',
          unscannedImages: 'Deny',
          scanTimeoutSeconds: 0.01,
        },
      }),
    ];
    const handler = createAdmissionHandler({
      policiesIn: (namespace) => (namespace === 'shop' ? policies : []),
      // Every way a scanner can answer: verdicts, partial answers, too late, failures.
      verdicts: (images) => {
        const roll = random();
        if (roll < 0.1) return Promise.reject(new Error('scanner down'));
        if (roll < 0.2) return new Promise(() => {});
        const verdicts = new Map<string, VulnerabilityVerdict>();
        for (const image of images) {
          if (random() < 0.3) continue;
          verdicts.set(
            image,
            random() < 0.5
              ? { status: 'unscanned', reason: 'queued' }
              : {
                  status: 'scanned',
                  counts: { Critical: 1, Unknown: 2 },
                  worst: [{ id: 'CVE-1', severity: 'Critical' }],
                },
          );
        }
        return Promise.resolve(verdicts);
      },
      onAudit: () => {
        if (random() < 0.5) throw new Error('events forbidden');
        return Promise.reject(new Error('events forbidden'));
      },
      logger: { debug: () => {}, warn: () => {}, error: (message) => errors.push(message) },
      maxBodyBytes: 64 * 1024,
    });
    server = await listen(handler);
  });

  afterAll(async () => {
    await server.close();
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  });

  it(`answers ${CASES} random requests well-formed, never with 500`, async () => {
    const random = prng(SEED);
    const cases = Array.from({ length: CASES }, () => randomCase(random));
    const broken: string[] = [];
    // A few at a time, as an apiserver would send them.
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const answers = await Promise.all(
        batch.map((testCase) =>
          send(server.port, {
            method: testCase.method,
            path: testCase.path,
            headers: { 'content-type': testCase.contentType },
            body: testCase.method === 'GET' || testCase.method === 'HEAD' ? undefined : testCase.body,
          }),
        ),
      );
      answers.forEach((answer, j) => {
        const problem = brokenProperty(batch[j] as Case, answer);
        if (problem) broken.push(`case ${i + j}: ${problem}: ${answer.text.slice(0, 200)}`);
      });
    }
    // Audits run after the answers; give the last ones a turn of the event loop before checking.
    await new Promise((resolve) => setImmediate(resolve));
    expect(broken).toEqual([]);
    expect(errors.filter((message) => message !== 'recording an image admission audit failed')).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('exercises every outcome, so the property is not vacuous', async () => {
    const random = prng(SEED);
    const statuses = new Set<number>();
    const decisions = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const testCase = randomCase(random);
      const answer = await send(server.port, {
        method: 'POST',
        path: testCase.path.startsWith('/validate') ? '/validate' : '/imagepolicy',
        headers: { 'content-type': testCase.contentType },
        body: testCase.body,
      });
      statuses.add(answer.status);
      if (answer.status === 200) {
        const body = JSON.parse(answer.text) as {
          response?: { allowed: boolean };
          status?: { allowed: boolean };
        };
        decisions.add(String((body.response ?? body.status)?.allowed));
      }
    }
    expect([...statuses].sort()).toEqual([200, 400, 415]);
    expect([...decisions].sort()).toEqual(['false', 'true']);
  });
});
