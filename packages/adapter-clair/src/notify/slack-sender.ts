/**
 * Delivers Slack messages to incoming webhooks at the pace Slack accepts (about one message per second
 * per webhook), one at a time per webhook so they arrive in order, waiting out `Retry-After` on 429 and
 * retrying server errors. It never throws: every message ends in exactly one {@link SlackOutcome}.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter } from '@nimbus-ts/registry';
import type { SlackPayload } from './slack-message.js';

/** A webhook to post to. */
export interface SlackWebhook {
  /** The incoming-webhook URL. It is the credential itself: it is never logged nor put in an outcome. */
  readonly url: string;
  /**
   * How outcomes name the webhook, e.g. the Secret reference `team-a/slack#url`. Default
   * `slack-webhook:<first 12 hex of the URL's SHA-256>`, stable across restarts and safe to log.
   */
  readonly name?: string;
}

/** Why a message was given up. */
export type SlackDropReason =
  /** The webhook's queue was full; the newest message is the one dropped, so the order of the rest holds. */
  | 'queue-full'
  /** Slack refused the message for good (400 `invalid_payload`, 403, 404 `no_service`, 410 `channel_is_archived`…). */
  | 'rejected'
  /** Server errors, network errors or 429s on every attempt allowed. */
  | 'retries-exhausted'
  /** The URL is not an http(s) URL. */
  | 'invalid-url'
  /** The sender was closed before the message went out. */
  | 'stopped';

/** The end of one message, for metrics and logs; it names the webhook, never its URL. */
export type SlackOutcome =
  | {
      readonly status: 'sent';
      readonly webhook: string;
      readonly tag?: string;
      /** HTTP attempts made, including those answered 429 or 5xx. */
      readonly attempts: number;
      /** From {@link SlackSender.send} to Slack's answer. */
      readonly latencyMs: number;
    }
  | {
      readonly status: 'dropped';
      readonly webhook: string;
      readonly tag?: string;
      readonly reason: SlackDropReason;
      readonly attempts: number;
      /** The last HTTP status, when there was an answer. */
      readonly httpStatus?: number;
      /** Slack's error text (`invalid_payload`, …) or the network error code; never contains the URL. */
      readonly detail?: string;
    };

/** The `fetch` signature the sender calls. */
export type SlackFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Options of a {@link SlackSender}. */
export interface SlackSenderOptions {
  /** Sustained messages per second per webhook; default 1, Slack's documented rate. */
  readonly ratePerSecond?: number;
  /** Messages that may go out back to back after a quiet period; default 3. */
  readonly burst?: number;
  /** Messages waiting per webhook before new ones are dropped; default 100. */
  readonly maxQueue?: number;
  /** Attempts per message when Slack answers 5xx or cannot be reached; default 4. */
  readonly maxAttempts?: number;
  /** Attempts per message answered 429 before it is given up; default 10. */
  readonly maxRateLimited?: number;
  /** First retry delay after a 5xx or network error, doubled each time (with jitter); default 1 s. */
  readonly backoffMs?: number;
  /** Ceiling of that delay; default 30 s. */
  readonly maxBackoffMs?: number;
  /**
   * The longest `Retry-After` honoured; a longer one waits this long. Slack's windows are seconds to
   * minutes, so an hour (the default) only catches a broken proxy's value.
   */
  readonly maxRetryAfterMs?: number;
  /** Per request; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Called once per message with how it ended; exceptions it throws are ignored. */
  readonly onOutcome?: (outcome: SlackOutcome) => void;
  /** Default the global `fetch`. */
  readonly fetch?: SlackFetch;
}

interface QueuedMessage {
  readonly body: string;
  /** What outcomes call the webhook; per message, as each caller may name the same URL its own way. */
  readonly name: string;
  readonly tag: string | undefined;
  readonly queuedAt: number;
  readonly done: (outcome: SlackOutcome) => void;
  attempts: number;
  failures: number;
  rateLimited: number;
}

interface WebhookState {
  readonly url: string;
  readonly queue: QueuedMessage[];
  running: boolean;
  /** Nothing is sent before this (monotonic ms): set by `Retry-After` and by retry backoff. */
  blockedUntil: number;
  tokens: number;
  refilledAt: number;
}

// The monotonic clock: a wall-clock step must neither release a Retry-After early nor stall the queue.
const now = () => performance.now();

/** A stable name for a webhook URL that reveals nothing about it. */
export function webhookName(url: string): string {
  return `slack-webhook:${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/**
 * Posts messages to Slack incoming webhooks.
 *
 * Guarantees, per webhook: messages go out in the order they were given, one request at a time; at most
 * `burst` back to back, then `ratePerSecond`; after a 429 nothing is sent before its `Retry-After` has
 * elapsed (the rate-limited message goes first when it has); a 5xx or network error is retried with
 * backoff, holding back the messages behind it so the order holds.
 *
 * Caveat: a request that times out may still have been posted; it is retried, so a message can in rare
 * cases appear twice.
 *
 * @example
 * ```ts
 * const sender = new SlackSender({ onOutcome: (o) => logger.info('slack message', o) });
 * sender.send({ url: secretValue, name: 'team-a/slack#url' }, findingsMessage(input));
 * await sender.close();
 * ```
 */
export class SlackSender {
  private readonly webhooks = new Map<string, WebhookState>();
  private readonly pending = new Set<Promise<SlackOutcome>>();
  private readonly stopping = new AbortController();
  private readonly options: Required<Omit<SlackSenderOptions, 'onOutcome'>> &
    Pick<SlackSenderOptions, 'onOutcome'>;

  constructor(options: SlackSenderOptions = {}) {
    this.options = {
      ratePerSecond: options.ratePerSecond ?? 1,
      burst: Math.max(1, options.burst ?? 3),
      maxQueue: options.maxQueue ?? 100,
      maxAttempts: Math.max(1, options.maxAttempts ?? 4),
      maxRateLimited: Math.max(1, options.maxRateLimited ?? 10),
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 3_600_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      onOutcome: options.onOutcome,
    };
  }

  /**
   * Queues `payload` for `webhook`. The promise resolves with the outcome (also given to `onOutcome`)
   * and never rejects; callers that only count outcomes need not await it.
   */
  send(webhook: SlackWebhook, payload: SlackPayload, tag?: string): Promise<SlackOutcome> {
    const name = webhook.name ?? webhookName(webhook.url);
    let resolve: (outcome: SlackOutcome) => void = () => {};
    const promise = new Promise<SlackOutcome>((r) => {
      resolve = r;
    });
    this.pending.add(promise);
    const done = (outcome: SlackOutcome) => {
      this.pending.delete(promise);
      try {
        this.options.onOutcome?.(outcome);
      } catch {
        // A failing metrics or log callback must not lose the outcome for the caller.
      }
      resolve(outcome);
    };
    const drop = (reason: SlackDropReason) =>
      done({ status: 'dropped', webhook: name, reason, attempts: 0, ...(tag ? { tag } : {}) });

    if (this.stopping.signal.aborted) {
      drop('stopped');
      return promise;
    }
    if (!isHttpUrl(webhook.url)) {
      drop('invalid-url');
      return promise;
    }
    const key = createHash('sha256').update(webhook.url).digest('hex');
    let state = this.webhooks.get(key);
    if (!state) {
      state = {
        url: webhook.url,
        queue: [],
        running: false,
        blockedUntil: 0,
        tokens: this.options.burst,
        refilledAt: now(),
      };
      this.webhooks.set(key, state);
    }
    if (state.queue.length >= this.options.maxQueue) {
      drop('queue-full');
      return promise;
    }
    state.queue.push({
      body: JSON.stringify(payload),
      name,
      tag,
      queuedAt: now(),
      done,
      attempts: 0,
      failures: 0,
      rateLimited: 0,
    });
    if (!state.running) {
      state.running = true;
      void this.run(state);
    }
    return promise;
  }

  /** Resolves once every message given so far has an outcome. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Stops: requests in flight are aborted and every message not sent yet ends as `stopped`. Resolves when
   * all outcomes are out. Later `send` calls drop at once.
   */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.drain();
  }

  private async run(state: WebhookState): Promise<void> {
    const signal = this.stopping.signal;
    try {
      for (let message = state.queue[0]; message; message = state.queue[0]) {
        if (signal.aborted) break;
        const wait = this.waitMs(state);
        if (wait > 0) {
          // Re-checked after the sleep: timers may fire a fraction early, and Retry-After is a promise to Slack.
          await sleep(wait, undefined, { signal }).catch(() => {});
          continue;
        }
        state.tokens -= 1;
        const outcome = await this.attempt(state, message);
        if (outcome) {
          state.queue.shift();
          message.done(outcome);
        }
      }
    } finally {
      for (const message of state.queue.splice(0)) {
        message.done(this.dropped(message, 'stopped'));
      }
      state.running = false;
    }
  }

  /** How long until the next message may go: Retry-After or backoff, then the token bucket. */
  private waitMs(state: WebhookState): number {
    const t = now();
    const { ratePerSecond, burst } = this.options;
    // refilledAt lies in the future while a Retry-After or backoff runs: nothing accrues until it ends.
    if (t > state.refilledAt) {
      state.tokens = Math.min(burst, state.tokens + ((t - state.refilledAt) * ratePerSecond) / 1000);
      state.refilledAt = t;
    }
    const blocked = state.blockedUntil - t;
    if (blocked > 0) return blocked;
    return state.tokens >= 1 ? 0 : ((1 - state.tokens) * 1000) / ratePerSecond;
  }

  /** One POST; the outcome when the message is finished with, `undefined` when it should be tried again. */
  private async attempt(state: WebhookState, message: QueuedMessage): Promise<SlackOutcome | undefined> {
    message.attempts++;
    let res: Response;
    try {
      res = await this.options.fetch(state.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: message.body,
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
      });
    } catch (err) {
      if (this.stopping.signal.aborted) return this.dropped(message, 'stopped');
      return this.failed(state, message, undefined, errorCode(err));
    }
    const detail = await readDetail(res);
    if (res.ok) {
      return {
        status: 'sent',
        webhook: message.name,
        attempts: message.attempts,
        latencyMs: Math.round(now() - message.queuedAt),
        ...(message.tag ? { tag: message.tag } : {}),
      };
    }
    if (res.status === 429) {
      message.rateLimited++;
      if (message.rateLimited >= this.options.maxRateLimited) {
        return this.dropped(message, 'retries-exhausted', 429, detail);
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after')) ?? this.backoff(message.rateLimited);
      this.block(state, Math.min(retryAfter, this.options.maxRetryAfterMs));
      return undefined;
    }
    if (res.status >= 500) return this.failed(state, message, res.status, detail);
    return this.dropped(message, 'rejected', res.status, detail);
  }

  private failed(
    state: WebhookState,
    message: QueuedMessage,
    httpStatus: number | undefined,
    detail: string,
  ): SlackOutcome | undefined {
    message.failures++;
    if (message.failures >= this.options.maxAttempts) {
      return this.dropped(message, 'retries-exhausted', httpStatus, detail);
    }
    this.block(state, this.backoff(message.failures));
    return undefined;
  }

  // After a wait, the bucket holds one token: the held-back message goes first, and what follows is paced
  // at the sustained rate rather than in a burst that would likely be rate-limited again.
  private block(state: WebhookState, ms: number): void {
    state.blockedUntil = now() + ms;
    state.refilledAt = state.blockedUntil;
    state.tokens = 1;
  }

  private backoff(failures: number): number {
    const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  private dropped(
    message: QueuedMessage,
    reason: SlackDropReason,
    httpStatus?: number,
    detail?: string,
  ): SlackOutcome {
    return {
      status: 'dropped',
      webhook: message.name,
      reason,
      attempts: message.attempts,
      ...(message.tag ? { tag: message.tag } : {}),
      ...(httpStatus === undefined ? {} : { httpStatus }),
      ...(detail ? { detail } : {}),
    };
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

// Slack's error bodies are short words (`invalid_payload`, `no_service`); a few KiB are read, the rest is
// cancelled, so neither a chatty proxy nor a slow body holds the queue.
async function readDetail(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body cut short still leaves what was read.
  }
  return Buffer.concat(chunks).toString('utf8').trim().slice(0, 200);
}

// Only a code, never the error's message: undici's messages can quote the URL, which is the secret.
function errorCode(err: unknown): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown';
}
