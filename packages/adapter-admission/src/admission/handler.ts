/**
 * The admission HTTP handler: `POST /validate` (AdmissionReview v1, ValidatingAdmissionWebhook),
 * `POST /imagepolicy` (ImageReview, the ImagePolicyWebhook backend) and `GET /healthz`.
 *
 * It only sequences the pure pieces: parse the review, select the namespace's policies, ask the scanner for
 * verdicts within the time budget, decide (through the decision cache), answer. Whatever arrives, it
 * answers with an HTTP status and never throws or leaves a rejection unhandled; a bug answers 500, which
 * the apiserver handles with the webhook's failurePolicy (or the plugin's `defaultAllow`).
 *
 * The path of a cached decision is kept lean for the latency target (p99 ≤ 5 ms at 1,000 req/s): no
 * logging below warn, no URL parsing, the body parsed once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConcurrencyLimiter } from '@nimbus-ts/clair-client';
import type { AdmissionInput } from './admission-input.js';
import { type ParsedAdmissionReview, parseAdmissionReview } from './admission-review-parse.js';
import { jsonContentTypeProblem } from './content-type.js';
import { type AdmissionDecision, ALLOW_ALL, decide } from './decide.js';
import { DecisionCache, type DecisionCacheOptions } from './decision-cache.js';
import { decisionKey } from './decision-key.js';
import { type ParsedImageReview, parseImageReview } from './image-review-parse.js';
import { DEFAULT_JSON_SHAPE_LIMITS, type JsonShapeLimits, jsonShapeProblem } from './json-shape.js';
import type { ImageAdmissionPolicyView } from './policy.js';
import { DRAIN_ALLOWANCE_BYTES, readBody } from './read-body.js';
import { resolveImages } from './resolve-images.js';
import {
  admissionReviewAllowed,
  admissionReviewAnswer,
  admissionReviewMalformed,
  imageReviewAnswer,
} from './response.js';
import { selectPolicies } from './select-policies.js';
import { verdictRequest } from './verdict-request.js';
import { type VerdictSource, verdictsWithin } from './verdicts-within.js';
import type { Violation } from './violation.js';

/** The paths the handler serves. */
export const ADMISSION_PATHS = Object.freeze({
  /** AdmissionReview v1, for a ValidatingWebhookConfiguration. */
  validate: '/validate',
  /** ImageReview v1alpha1, for the ImagePolicyWebhook admission plugin's kubeconfig. */
  imagePolicy: '/imagepolicy',
  /** Liveness and readiness. */
  healthz: '/healthz',
});

/**
 * The path of a request target, without the query: the apiserver calls `<path>?timeout=10s`, and only the path
 * routes (and labels metrics). No URL parsing, for the latency of the cached path.
 */
export function requestPath(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/** The default body limit: above any AdmissionReview the apiserver sends (objects are at most ~1.5 MiB, twice on UPDATE). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * The default number of request bodies read and parsed at once. Reading and parsing are the memory a request
 * costs (up to the body limit, and what the parse allocates within the shape limits); a request waiting for
 * verdicts holds no slot. Four bodies at the default limits cost well under the webhook's memory limit.
 */
export const DEFAULT_MAX_CONCURRENT_BODIES = 4;
/**
 * The default number of requests that wait for a slot to read their body; past it a request is refused with
 * 429 before its body is read. A waiting request holds a connection, not its body.
 */
export const DEFAULT_MAX_QUEUED_BODIES = 64;
/** The default cap on the scan budget: under the webhook's default `timeoutSeconds` of 10 s, with room to answer. */
export const DEFAULT_MAX_SCAN_BUDGET_MS = 8000;

/** An admitted request that broke Audit rules: the caller records it as a Kubernetes Event. */
export interface AuditEvent {
  readonly review: 'AdmissionReview' | 'ImageReview';
  /** The AdmissionReview's request uid; absent for an ImageReview. */
  readonly uid?: string;
  readonly subject: AdmissionInput['subject'];
  readonly violations: readonly Violation[];
}

/** What the handler logs to; the packages' winston `Logger` satisfies it. */
export interface AdmissionLogger {
  /** A request to an unknown path or with the wrong method (404/405): a prober, not the apiserver. */
  debug(message: string, meta?: Record<string, unknown>): unknown;
  /**
   * A request refused as malformed (wrong content type, too large, not JSON, not a review), or a verdict
   * source that failed, so that its images were judged as unscanned.
   */
  warn(message: string, meta?: Record<string, unknown>): unknown;
  /**
   * A failure of the handler itself: a request answered 500, one that failed after its answer went out,
   * or an `onAudit` hook that threw.
   */
  error(message: string, meta?: Record<string, unknown>): unknown;
}

/** The handler's dependencies and limits. */
export interface AdmissionHandlerOptions {
  /** The policies of a namespace, from an informer's cache: called on every request, so it must be cheap. */
  readonly policiesIn: (namespace: string) => readonly ImageAdmissionPolicyView[];
  /**
   * The scanner's verdicts for canonical image references. May take long (scanning on admission); the
   * handler stops waiting after `context.budgetMs`, and an image missing from the answer counts as unscanned.
   */
  readonly verdicts: VerdictSource;
  /**
   * Called after the answer went out, for each admitted request that broke Audit rules (not for dry runs).
   * A throw or rejection is logged, never propagated.
   */
  readonly onAudit?: (event: AuditEvent) => void | Promise<void>;
  /** Default: nothing is logged. */
  readonly logger?: AdmissionLogger;
  /** Larger bodies get 413. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
  /** Bodies nesting deeper or holding more than this get 413 before they are parsed. Default {@link DEFAULT_JSON_SHAPE_LIMITS}. */
  readonly jsonShapeLimits?: JsonShapeLimits;
  /** Bodies read and parsed at once. Default {@link DEFAULT_MAX_CONCURRENT_BODIES}. */
  readonly maxConcurrentBodies?: number;
  /** Requests waiting to read their body; more get 429. Default {@link DEFAULT_MAX_QUEUED_BODIES}. */
  readonly maxQueuedBodies?: number;
  /** The most a scan budget can be, whatever the policies say. Default {@link DEFAULT_MAX_SCAN_BUDGET_MS}. */
  readonly maxScanBudgetMs?: number;
  /** The decision cache's size and TTL, or false for none. Default: 1024 entries, 5 minutes. */
  readonly cache?: DecisionCacheOptions | false;
}

type Headers = Record<string, string | number>;

/** A review read from a body, tagged with the kind the path asked for. */
type Parsed =
  | ({ readonly review: 'AdmissionReview' } & ParsedAdmissionReview)
  | ({ readonly review: 'ImageReview' } & ParsedImageReview);

/**
 * Creates the request listener; mount it on `startAdmissionServer` or any node `http(s)` server.
 *
 * @example
 * ```ts
 * const handler = createAdmissionHandler({
 *   policiesIn: (namespace) => policyCache.list(namespace),
 *   verdicts: (images, context) => scanner.verdicts(images, context),
 *   onAudit: (event) => recordAuditEvent(event),
 *   logger,
 * });
 * const server = await startAdmissionServer({ port: 8443, tls: () => readServingCertificate(), handler });
 * ```
 */
export function createAdmissionHandler(
  options: AdmissionHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxScanBudgetMs = options.maxScanBudgetMs ?? DEFAULT_MAX_SCAN_BUDGET_MS;
  const shapeLimits = options.jsonShapeLimits ?? DEFAULT_JSON_SHAPE_LIMITS;
  const maxQueuedBodies = options.maxQueuedBodies ?? DEFAULT_MAX_QUEUED_BODIES;
  const maxConcurrentBodies = options.maxConcurrentBodies ?? DEFAULT_MAX_CONCURRENT_BODIES;
  const bodies = new ConcurrencyLimiter(maxConcurrentBodies);
  const cache = options.cache === false ? undefined : new DecisionCache<AdmissionDecision>(options.cache);
  const logger = options.logger;

  const refuse = (res: ServerResponse, status: number, message: string, headers: Headers = {}) => {
    if (status >= 500) logger?.error('image admission failed on a request', { status, message });
    else if (status === 404 || status === 405)
      logger?.debug('image admission refused a request', { status, message });
    else logger?.warn('image admission refused a request', { status, message });
    sendJson(res, status, { code: status, message }, headers);
  };

  const scannerFailed = (input: AdmissionInput, images: readonly string[]) => (err: unknown) =>
    logger?.warn('the scanner failed to give verdicts for admission', {
      namespace: input.namespace,
      images,
      error: err instanceof Error ? err.message : String(err),
    });

  const decideCached = (key: () => string, make: () => AdmissionDecision): AdmissionDecision =>
    cache === undefined ? make() : cache.remember(key(), make);

  const evaluate = async (input: AdmissionInput): Promise<AdmissionDecision> => {
    if (input.images.length === 0) return ALLOW_ALL;
    const policies = selectPolicies(options.policiesIn(input.namespace), input.labels);
    if (policies.length === 0) return ALLOW_ALL;
    if (!policies.some((policy) => policy.spec.blockVulnerableImages !== undefined)) {
      // No verdicts needed: the key is known before any image is parsed, so a hit skips the parser too.
      return decideCached(
        () => decisionKey(input.images, policies),
        () => decide(resolveImages(input.images), policies),
      );
    }
    const images = resolveImages(input.images);
    const request = verdictRequest(images, policies, maxScanBudgetMs);
    const verdicts =
      request !== undefined && request.images.length > 0
        ? await verdictsWithin(options.verdicts, request, input, scannerFailed(input, request.images))
        : undefined;
    return decideCached(
      () => decisionKey(images, policies, request?.images, verdicts),
      () => decide(images, policies, verdicts),
    );
  };

  const audit = (event: AuditEvent) => {
    const onAudit = options.onAudit;
    if (onAudit === undefined) return;
    const failed = (err: unknown) =>
      logger?.error('recording an image admission audit failed', {
        namespace: event.subject.namespace,
        error: err instanceof Error ? err.message : String(err),
      });
    // After the answer went out: recording an Event must not add to the apiserver's wait.
    setImmediate(() => {
      try {
        Promise.resolve(onAudit(event)).catch(failed);
      } catch (err) {
        failed(err);
      }
    });
  };

  const review = async (parsed: Parsed, res: ServerResponse) => {
    if (parsed.review === 'AdmissionReview') {
      switch (parsed.outcome) {
        case 'invalid':
          return refuse(res, 400, parsed.message);
        case 'skip':
          return sendJson(res, 200, admissionReviewAllowed(parsed.uid));
        case 'malformed':
          return sendJson(res, 200, admissionReviewMalformed(parsed.uid, parsed.message));
        case 'check': {
          const decision = await evaluate(parsed.input);
          sendJson(res, 200, admissionReviewAnswer(parsed.uid, decision));
          if (decision.allowed && decision.warnings.length > 0 && !parsed.input.dryRun) {
            audit({
              review: 'AdmissionReview',
              uid: parsed.uid,
              subject: parsed.input.subject,
              violations: decision.warnings,
            });
          }
          return;
        }
      }
    }
    if (parsed.outcome === 'invalid') return refuse(res, 400, parsed.message);
    const decision = await evaluate(parsed.input);
    sendJson(res, 200, imageReviewAnswer(decision));
    if (decision.allowed && decision.warnings.length > 0) {
      audit({ review: 'ImageReview', subject: parsed.input.subject, violations: decision.warnings });
    }
  };

  /**
   * Reads, bounds and parses the body of a request to `path` into the review it carries, or answers the request
   * itself (413, 400) and resolves undefined. Runs in one of the body slots: what it allocates (the body, its
   * parse) is garbage once it returns, since the review keeps only the few strings it needs.
   */
  const readReview = async (
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Parsed | undefined> => {
    const tooLarge = `the body is larger than ${maxBodyBytes} bytes`;
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'aborted') return undefined;
    if (read.kind === 'too-large') {
      refuse(res, 413, tooLarge, read.drained ? {} : { connection: 'close' });
      return undefined;
    }
    const shapeProblem = jsonShapeProblem(read.bytes, shapeLimits);
    if (shapeProblem !== undefined) {
      refuse(res, 413, `${shapeProblem}; no admission review comes near that`);
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(read.bytes.toString('utf8'));
    } catch (err) {
      refuse(res, 400, `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    return path === ADMISSION_PATHS.validate
      ? { review: 'AdmissionReview', ...parseAdmissionReview(body) }
      : { review: 'ImageReview', ...parseImageReview(body) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = requestPath(req.url);
    if (path === ADMISSION_PATHS.healthz) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return refuse(res, 405, `${path} answers GET`, { allow: 'GET, HEAD' });
      }
      return sendText(res, 200, 'ok');
    }
    if (path !== ADMISSION_PATHS.validate && path !== ADMISSION_PATHS.imagePolicy) {
      return refuse(
        res,
        404,
        `nothing is served at ${path}; use ${ADMISSION_PATHS.validate} or ${ADMISSION_PATHS.imagePolicy}`,
      );
    }
    if (req.method !== 'POST') return refuse(res, 405, `${path} answers POST`, { allow: 'POST' });
    const contentTypeProblem = jsonContentTypeProblem(req.headers['content-type']);
    if (contentTypeProblem !== undefined) return refuse(res, 415, contentTypeProblem);
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes + DRAIN_ALLOWANCE_BYTES) {
      // Announced far too large: refuse before reading a byte, and close rather than drain.
      return refuse(res, 413, `the body is larger than ${maxBodyBytes} bytes`, { connection: 'close' });
    }
    if (bodies.active >= maxConcurrentBodies && bodies.queued >= maxQueuedBodies) {
      // A flood: refuse before reading a byte, so memory stays flat however many arrive. The API server treats
      // the 429 as a failed call (the webhook's failurePolicy); a client such as kubectl retries after a moment.
      return refuse(
        res,
        429,
        `too many admission requests at once (${bodies.active} being read, ${bodies.queued} waiting); retry`,
        { 'retry-after': 1, connection: 'close' },
      );
    }
    const parsed = await bodies.run(() => readReview(path, req, res));
    if (parsed !== undefined) await review(parsed, res);
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) {
        logger?.error('image admission failed after answering', { error: message });
        res.destroy();
        return;
      }
      refuse(res, 500, `image admission failed: ${message}`);
    });
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
