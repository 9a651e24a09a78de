import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdmissionHandlerOptions,
  type AuditEvent,
  createAdmissionHandler,
  type ImageAdmissionPolicyView,
  type VerdictContext,
  type VulnerabilityVerdict,
} from '../../src/admission/index.js';
import { admissionRequest, admissionReview, imageReview, pod, policy } from './admission-fixtures.js';
import { json, type Loopback, listen, send } from './admission-http.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

interface Recorded {
  readonly audits: AuditEvent[];
  readonly verdictCalls: { images: readonly string[]; context: VerdictContext }[];
  readonly logs: { level: string; message: string; meta?: Record<string, unknown> }[];
  readonly namespacesAsked: string[];
}

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves a handler over `policies` (by namespace) and records what it does with its dependencies. */
async function serve(
  policies: readonly ImageAdmissionPolicyView[],
  overrides: Partial<AdmissionHandlerOptions> = {},
): Promise<{ port: number } & Recorded> {
  const recorded: Recorded = { audits: [], verdictCalls: [], logs: [], namespacesAsked: [] };
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    recorded.logs.push({ level, message, ...(meta ? { meta } : {}) });
  const handler = createAdmissionHandler({
    policiesIn: (namespace) => {
      recorded.namespacesAsked.push(namespace);
      return policies.filter((p) => p.metadata.namespace === namespace);
    },
    verdicts: async (images, context) => {
      recorded.verdictCalls.push({ images, context });
      return new Map();
    },
    onAudit: (event) => {
      recorded.audits.push(event);
    },
    logger: { debug: log('debug'), warn: log('warn'), error: log('error') },
    ...overrides,
  });
  server = await listen(handler);
  return { port: server.port, ...recorded };
}

/** Resolves once `check` holds, polling on the event loop (audits are recorded after the answer). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

const noLatest = (action: 'Block' | 'Audit') => policy('no-latest', { disallowLatestTag: { action } });
const cves = (over: Record<string, unknown> = {}) =>
  policy('cves', {
    blockVulnerableImages: {
      action: 'Block',
      severityThreshold: 'High',
      unscannedImages: 'Deny',
      scanTimeoutSeconds: 2,
      ...over,
    },
  });
const reviewOf = (images: string[], overrides: Record<string, unknown> = {}) =>
  admissionReview(admissionRequest({ object: pod(images), ...overrides }));

describe('createAdmissionHandler: HTTP', () => {
  it.each([
    ['GET', 200, 'ok'],
    ['HEAD', 200, ''],
  ])('answers %s /healthz', async (method, status, text) => {
    const { port } = await serve([]);
    expect(await send(port, { method, path: '/healthz' })).toMatchObject({ status, text });
  });

  it.each([
    ['POST', '/healthz', 405, 'GET, HEAD', /\/healthz answers GET/],
    ['GET', '/validate', 405, 'POST', /\/validate answers POST/],
    ['PUT', '/imagepolicy', 405, 'POST', /\/imagepolicy answers POST/],
    ['POST', '/mutate', 404, undefined, /nothing is served at \/mutate; use \/validate or \/imagepolicy/],
    ['POST', '/', 404, undefined, /nothing is served at \//],
  ])('%s %s → %i', async (method, path, status, allow, message) => {
    const { port } = await serve([]);
    const answer = await send(port, { method, path, body: reviewOf(['nginx']) });
    expect(answer.status).toBe(status);
    expect(answer.headers.allow).toBe(allow);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(json(answer)).toEqual({ code: status, message: expect.stringMatching(message) });
  });

  it.each([
    [undefined, /none was sent/],
    ['text/plain', /must be application\/json, not text\/plain/],
    ['application/x-www-form-urlencoded', /not application\/x-www-form-urlencoded/],
    ['application/json; charset=latin1', /charset must be utf-8, not latin1/],
    ['application/jsonx', /not application\/jsonx/],
  ])('refuses content type %s with 415', async (contentType, message) => {
    const { port } = await serve([]);
    const answer = await send(port, { headers: { 'content-type': contentType }, body: reviewOf(['nginx']) });
    expect(answer.status).toBe(415);
    expect(json(answer).message).toMatch(message);
  });

  it.each([
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
  ])('accepts content type %s', async (contentType) => {
    const { port } = await serve([]);
    expect(
      (await send(port, { headers: { 'content-type': contentType }, body: reviewOf(['nginx']) })).status,
    ).toBe(200);
  });

  it('refuses a body over the limit with 413 and goes on serving', async () => {
    const { port } = await serve([], { maxBodyBytes: 1024 });
    const answer = await send(port, { body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }) });
    expect(answer.status).toBe(413);
    expect(json(answer).message).toBe('the body is larger than 1024 bytes');
    expect((await send(port, { body: reviewOf(['nginx']) })).status).toBe(200);
  });

  it('refuses a body announced far over the limit before reading it, closing the connection', async () => {
    const { port } = await serve([], { maxBodyBytes: 1024 });
    const answer = await send(port, { headers: { 'content-length': 512 * 1024 * 1024 }, body: '{' });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
  });

  it.each([
    ['[{},{},…]', `{"pad":[${'{},'.repeat(200)}{}]}`, /^the body holds more than 100 objects and arrays; /],
    [
      'deep nesting',
      `{"pad":${'['.repeat(100)}${']'.repeat(100)}}`,
      /^the body nests .* deeper than 16 levels; /,
    ],
  ])(
    'refuses a body of %s past the shape limits with 413 before parsing it',
    async (_what, body, message) => {
      const { port, logs } = await serve([], {
        jsonShapeLimits: { maxDepth: 16, maxContainers: 100, maxValues: 1000 },
      });
      const answer = await send(port, { body });
      expect(answer.status).toBe(413);
      expect(json(answer).message).toMatch(message);
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 'warn', meta: expect.objectContaining({ status: 413 }) }),
      );
      expect((await send(port, { body: reviewOf(['nginx']) })).status).toBe(200);
    },
  );

  it('refuses requests past the body slots and their queue with 429 before reading them, then serves again', async () => {
    const { port } = await serve([], { maxConcurrentBodies: 1, maxQueuedBodies: 0 });
    const whole = Buffer.from(JSON.stringify(reviewOf(['nginx:1.27'])));
    // A request that holds the only slot: its body arrives in two parts, the second only when the test sends it.
    const slow = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/validate',
      headers: { 'content-type': 'application/json', 'content-length': whole.length },
      agent: false,
    });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      slow.on('error', reject);
    });
    slow.write(whole.subarray(0, 10));
    let refused: Awaited<ReturnType<typeof send>> | undefined;
    // Other requests are served until the slow one holds the slot; then they are refused.
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const answer = await send(port, { body: reviewOf(['nginx:1.27']) });
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(200);
    }
    expect(refused?.headers['retry-after']).toBe('1');
    expect(json(refused as Awaited<ReturnType<typeof send>>).message).toMatch(
      /too many admission requests at once \(1 being read, 0 waiting\)/,
    );
    slow.end(whole.subarray(10));
    expect(await slowAnswer).toBe(200);
    expect((await send(port, { body: reviewOf(['nginx:1.27']) })).status).toBe(200);
  });

  it('accepts a body of exactly the limit', async () => {
    const body = JSON.stringify(reviewOf(['nginx:1.27']));
    const { port } = await serve([], { maxBodyBytes: Buffer.byteLength(body) });
    expect((await send(port, { body })).status).toBe(200);
  });

  it.each([
    ['not JSON', '{"apiVersion":', /^the body is not valid JSON: /],
    ['empty', '', /^the body is not valid JSON/],
    ['JSON but not an object', '[1,2]', /the body is not a JSON object/],
    [
      'AdmissionReview v1beta1',
      { ...reviewOf(['nginx']), apiVersion: 'admission.k8s.io/v1beta1' },
      /admissionReviewVersions/,
    ],
    ['no uid', admissionReview(admissionRequest({ uid: undefined })), /request.uid is missing/],
    [
      'an ImageReview sent to /validate',
      imageReview(['nginx']),
      /kind must be AdmissionReview|apiVersion must be/,
    ],
  ])('refuses %s with 400 and says why', async (_name, body, message) => {
    const { port, logs } = await serve([noLatest('Block')]);
    const answer = await send(port, { body });
    expect(answer.status).toBe(400);
    expect(json(answer).message).toMatch(message);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'image admission refused a request' }),
    );
  });

  it('routes by path alone: the apiserver appends ?timeout=10s', async () => {
    const { port } = await serve([noLatest('Block')]);
    const answer = await send(port, { path: '/validate?timeout=10s', body: reviewOf(['nginx:latest']) });
    expect(answer.status).toBe(200);
    expect(json(answer)).toMatchObject({ response: { uid: UID, allowed: false } });
  });

  it('answers 500 with a JSON body when a dependency throws, and goes on serving', async () => {
    let fail = true;
    const handler = await serve([], {
      policiesIn: () => {
        if (fail) throw new Error('policy cache not synced');
        return [];
      },
    });
    const answer = await send(handler.port, { body: reviewOf(['nginx']) });
    expect(answer.status).toBe(500);
    expect(json(answer)).toEqual({ code: 500, message: 'image admission failed: policy cache not synced' });
    expect(handler.logs).toContainEqual(expect.objectContaining({ level: 'error' }));
    fail = false;
    expect((await send(handler.port, { body: reviewOf(['nginx']) })).status).toBe(200);
  });
});

describe('createAdmissionHandler: AdmissionReview', () => {
  it('denies a Block violation with 403, echoing apiVersion, kind and uid', async () => {
    const { port, audits } = await serve([noLatest('Block')]);
    const answer = await send(port, { body: reviewOf(['nginx:latest']) });
    expect(answer.status).toBe(200);
    expect(json(answer)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: UID,
        allowed: false,
        status: {
          code: 403,
          reason: 'Forbidden',
          message:
            'container c0: image nginx:latest uses the mutable tag latest; pin a version or a digest (policy no-latest, disallowLatestTag)',
        },
      },
    });
    expect(audits).toEqual([]);
  });

  it('allows an Audit violation with a warning, and reports it for an Event after answering', async () => {
    const { port, audits } = await serve([noLatest('Audit')]);
    const answer = await send(port, { body: reviewOf(['nginx']) });
    expect(json(answer)).toMatchObject({
      response: { uid: UID, allowed: true, warnings: [expect.stringContaining('image nginx has no tag')] },
    });
    await eventually(() => audits.length === 1);
    expect(audits[0]).toEqual({
      review: 'AdmissionReview',
      uid: UID,
      subject: { kind: 'Pod', group: '', namespace: 'shop', name: 'web-0' },
      violations: [expect.objectContaining({ image: 'nginx', rule: 'disallowLatestTag', action: 'Audit' })],
    });
  });

  it('records no Event for a dry run', async () => {
    const { port, audits } = await serve([noLatest('Audit')]);
    const answer = await send(port, { body: reviewOf(['nginx'], { dryRun: true }) });
    expect(json(answer)).toMatchObject({ response: { allowed: true, warnings: [expect.any(String)] } });
    // Audits are reported in order: had the dry run been, it would come before this real request's.
    await send(port, { body: reviewOf(['nginx'], { uid: 'real' }) });
    await eventually(() => audits.length > 0);
    expect(audits.map((audit) => audit.uid)).toEqual(['real']);
  });

  it('survives an onAudit that throws or rejects, logging it', async () => {
    for (const onAudit of [
      () => {
        throw new Error('events forbidden');
      },
      () => Promise.reject(new Error('events forbidden')),
    ]) {
      const { port, logs } = await serve([noLatest('Audit')], { onAudit });
      expect((await send(port, { body: reviewOf(['nginx']) })).status).toBe(200);
      await eventually(() => logs.some((l) => l.message === 'recording an image admission audit failed'));
      expect((await send(port, { body: reviewOf(['nginx']) })).status).toBe(200);
      await server?.close();
      server = undefined;
    }
  });

  it('allows what it does not check without asking for policies', async () => {
    const { port, namespacesAsked } = await serve([noLatest('Block')]);
    const answer = await send(port, {
      body: admissionReview(
        admissionRequest({ operation: 'DELETE', object: null, oldObject: pod(['nginx']) }),
      ),
    });
    expect(json(answer)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: UID, allowed: true },
    });
    expect(namespacesAsked).toEqual([]);
  });

  it('refuses an unreadable object in the review with code 400', async () => {
    const { port } = await serve([]);
    const answer = await send(port, { body: admissionReview(admissionRequest({ object: 'junk' })) });
    expect(json(answer)).toMatchObject({ response: { uid: UID, allowed: false, status: { code: 400 } } });
  });

  it('applies only the policies whose selector matches the pod labels', async () => {
    const apiOnly = policy('api-only', {
      selector: { matchLabels: { app: 'api' } },
      disallowLatestTag: { action: 'Block' },
    });
    const { port } = await serve([apiOnly]);
    const web = await send(port, { body: reviewOf(['nginx:latest']) });
    expect(json(web)).toMatchObject({ response: { allowed: true } });
    const apiPod = { ...pod(['nginx:latest']), metadata: { name: 'api', labels: { app: 'api' } } };
    const api = await send(port, { body: admissionReview(admissionRequest({ object: apiPod })) });
    expect(json(api)).toMatchObject({ response: { allowed: false } });
  });

  it('checks a Deployment through its pod template', async () => {
    const { port } = await serve([noLatest('Block')]);
    const deployment = {
      metadata: { name: 'web' },
      spec: { template: { metadata: { labels: {} }, spec: pod(['nginx']).spec } },
    };
    const answer = await send(port, {
      body: admissionReview(
        admissionRequest({
          kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
          name: 'web',
          object: deployment,
        }),
      ),
    });
    expect(json(answer)).toMatchObject({
      response: { allowed: false, status: { message: expect.stringContaining('image nginx has no tag') } },
    });
  });

  it('uses a cached decision while the policy generation is unchanged, and a new one when it changes', async () => {
    const spec: { disallowLatestTag?: { action: 'Block' | 'Audit' } } = {
      disallowLatestTag: { action: 'Block' },
    };
    const current = {
      metadata: { name: 'p', namespace: 'shop', uid: 'u1', generation: 1 },
      spec: { selector: {}, ...spec },
    };
    const { port } = await serve([], { policiesIn: () => [current] });
    const allowedNow = async () =>
      (json(await send(port, { body: reviewOf(['nginx:latest']) })).response as { allowed: boolean }).allowed;
    expect(await allowedNow()).toBe(false);
    // The spec changes under the same generation: the key says "same policy", so the cached denial stands.
    current.spec = { selector: {}, disallowLatestTag: { action: 'Audit' } };
    expect(await allowedNow()).toBe(false);
    // The apiserver bumps the generation with every spec change; then the decision is made again.
    current.metadata = { ...current.metadata, generation: 2 };
    expect(await allowedNow()).toBe(true);
  });

  it('decides afresh on every request without a cache', async () => {
    const current = {
      metadata: { name: 'p', namespace: 'shop', uid: 'u1', generation: 1 },
      spec: { selector: {}, disallowLatestTag: { action: 'Block' as const } },
    };
    const { port } = await serve([], { policiesIn: () => [current], cache: false });
    expect(json(await send(port, { body: reviewOf(['nginx:latest']) }))).toMatchObject({
      response: { allowed: false },
    });
    current.spec = { selector: {}, disallowLatestTag: { action: 'Audit' as never } };
    expect(json(await send(port, { body: reviewOf(['nginx:latest']) }))).toMatchObject({
      response: { allowed: true },
    });
  });
});

describe('createAdmissionHandler: vulnerability verdicts', () => {
  const critical: VulnerabilityVerdict = {
    status: 'scanned',
    counts: { Critical: 1 },
    worst: [{ id: 'CVE-2024-9', severity: 'Critical' }],
  };

  it('asks for canonical images with the pod credentials and the budget, and denies what is vulnerable', async () => {
    const recorded = await serve([cves()], {
      verdicts: async (images, context) => {
        recorded.verdictCalls.push({ images, context });
        return new Map([['docker.io/library/nginx:1.25', critical]]);
      },
    });
    const object = pod(['nginx:1.25', 'docker.io/library/nginx:1.25'], {
      imagePullSecrets: [{ name: 'hub' }],
      serviceAccountName: 'web',
    });
    const answer = await send(recorded.port, { body: admissionReview(admissionRequest({ object })) });
    expect(json(answer)).toMatchObject({
      response: {
        allowed: false,
        status: {
          message: expect.stringContaining(
            'image nginx:1.25 has 1 Critical vulnerability (CVE-2024-9) at or above the threshold High (policy cves, blockVulnerableImages)',
          ),
        },
      },
    });
    expect(recorded.verdictCalls).toHaveLength(1);
    expect(recorded.verdictCalls[0]?.images).toEqual(['docker.io/library/nginx:1.25']);
    expect(recorded.verdictCalls[0]?.context).toMatchObject({
      namespace: 'shop',
      pullSecrets: ['hub'],
      serviceAccountName: 'web',
      budgetMs: 2000,
    });
  });

  it('stops waiting at the budget: the image is unscanned, the scanner told by its signal', async () => {
    let signal: AbortSignal | undefined;
    const { port } = await serve([cves({ scanTimeoutSeconds: 0.05 })], {
      verdicts: (_images, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
    });
    const answer = await send(port, { body: reviewOf(['nginx:1.25']) });
    expect(json(answer)).toMatchObject({
      response: {
        allowed: false,
        status: {
          message: expect.stringContaining(
            'has not been scanned for vulnerabilities yet (no scan result within 0.05 s)',
          ),
        },
      },
    });
    expect(signal?.aborted).toBe(true);
  });

  it('admits an unscanned image with a warning, which is no Audit violation', async () => {
    const { port, audits } = await serve(
      [cves({ unscannedImages: 'Allow', scanTimeoutSeconds: 0 }), noLatest('Audit')],
      {
        verdicts: () => new Promise(() => {}),
      },
    );
    const answer = await send(port, { body: reviewOf(['nginx:1.25']) });
    expect(json(answer)).toMatchObject({
      response: {
        allowed: true,
        warnings: [expect.stringContaining('was admitted without a vulnerability scan')],
      },
    });
    // Audits are reported in order: only this one, with a real Audit violation, may be.
    await send(port, { body: reviewOf(['nginx'], { uid: 'audited' }) });
    await eventually(() => audits.length > 0);
    expect(audits.map((audit) => audit.uid)).toEqual(['audited']);
  });

  it('uses verdicts the scanner already has even with a budget of 0', async () => {
    const { port } = await serve([cves({ scanTimeoutSeconds: 0 })], {
      verdicts: async () => new Map([['docker.io/library/nginx:1.25', critical]]),
    });
    const answer = await send(port, { body: reviewOf(['nginx:1.25']) });
    expect(json(answer)).toMatchObject({
      response: { status: { message: expect.stringContaining('CVE-2024-9') } },
    });
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('clair down'))],
    [
      'throws',
      () => {
        throw new Error('clair down');
      },
    ],
    ['resolves to something else than a Map', async () => ({}) as never],
  ])('treats every image as unscanned when the scanner %s, logging why', async (_name, verdicts) => {
    const { port, logs } = await serve([cves()], {
      verdicts: verdicts as AdmissionHandlerOptions['verdicts'],
    });
    const answer = await send(port, { body: reviewOf(['nginx:1.25']) });
    expect(json(answer)).toMatchObject({
      response: {
        allowed: false,
        status: { message: expect.stringContaining('(the scanner failed; see the adapter log)') },
      },
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'the scanner failed to give verdicts for admission',
      }),
    );
  });

  it('decides again when a verdict changes, even with the decision cached', async () => {
    let verdict: VulnerabilityVerdict = critical;
    const { port } = await serve([cves()], {
      verdicts: async () => new Map([['docker.io/library/nginx:1.25', verdict]]),
    });
    const allowedNow = async () =>
      (json(await send(port, { body: reviewOf(['nginx:1.25']) })).response as { allowed: boolean }).allowed;
    expect(await allowedNow()).toBe(false);
    verdict = { status: 'scanned', counts: { Low: 1 }, worst: [] };
    expect(await allowedNow()).toBe(true);
  });

  it('does not ask the scanner when no policy has a vulnerability rule', async () => {
    const { port, verdictCalls } = await serve([noLatest('Block')]);
    await send(port, { body: reviewOf(['nginx:1.25']) });
    expect(verdictCalls).toEqual([]);
  });
});

describe('createAdmissionHandler: ImageReview', () => {
  it('denies with a 200, allowed false and the reason, applying every policy of the namespace', async () => {
    const apiOnly = policy('api-only', {
      selector: { matchLabels: { app: 'api' } },
      disallowLatestTag: { action: 'Block' },
    });
    const { port } = await serve([apiOnly]);
    const answer = await send(port, { path: '/imagepolicy', body: imageReview(['nginx:1.27', 'redis']) });
    expect(answer.status).toBe(200);
    expect(json(answer)).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status: {
        allowed: false,
        reason:
          'image redis has no tag, so it runs the mutable tag latest; pin a version or a digest (policy api-only, disallowLatestTag)',
      },
    });
  });

  it('allows with audit annotations and reports the audit', async () => {
    const { port, audits } = await serve([noLatest('Audit')]);
    const answer = await send(port, { path: '/imagepolicy', body: imageReview(['redis']) });
    expect(json(answer)).toMatchObject({
      status: {
        allowed: true,
        auditAnnotations: { 'audit-violations': expect.stringContaining('image redis') },
      },
    });
    await eventually(() => audits.length === 1);
    expect(audits[0]).toMatchObject({ review: 'ImageReview', subject: { kind: 'Pod', namespace: 'shop' } });
    expect(audits[0]?.uid).toBeUndefined();
  });

  it('passes no credentials to the scanner: the ImageReview carries none', async () => {
    const { port, verdictCalls } = await serve([cves({ unscannedImages: 'Allow' })]);
    await send(port, { path: '/imagepolicy', body: imageReview(['nginx:1.27']) });
    expect(verdictCalls[0]?.context).toMatchObject({ namespace: 'shop', pullSecrets: [], budgetMs: 2000 });
    expect(verdictCalls[0]?.context.serviceAccountName).toBeUndefined();
  });

  it('refuses a body that is not an ImageReview with 400', async () => {
    const { port } = await serve([]);
    const answer = await send(port, { path: '/imagepolicy', body: reviewOf(['nginx']) });
    expect(answer.status).toBe(400);
    expect(json(answer).message).toMatch(/apiVersion must be imagepolicy.k8s.io\/v1alpha1/);
  });
});
