import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/runtime/api-error.js';
import { backoffErrorPolicy, retryDelayOf } from '../../src/runtime/controller.js';
import { defaultErrorPolicy, ErrorOutcome, TerminalError } from '../../src/runtime/error-outcome.js';

describe('error policies decide typed outcomes', () => {
  it.each([
    ['a TerminalError is terminal', new TerminalError('spec.x is invalid; fix it'), 'terminal'],
    ['a conflict is retried', new ApiError(409, 'Conflict', 'stale'), 'retry'],
    ['a refusal is retried (the status already says why)', new ApiError(422, 'Invalid', 'bad'), 'retry'],
    ['anything else is retried', new Error('ECONNRESET'), 'retry'],
    ['a thrown non-error is retried', 'text', 'retry'],
  ])('defaultErrorPolicy: %s', (_name, error, kind) => {
    expect(defaultErrorPolicy()({}, error, undefined, 1).kind).toBe(kind);
  });

  it('backoffErrorPolicy retries everything, a TerminalError too', () => {
    expect(backoffErrorPolicy()({ metadata: {} }, new TerminalError('x'), undefined, 3)).toEqual(
      ErrorOutcome.retry,
    );
  });

  it('requeueAfter carries its delay and refuses a negative or infinite one', () => {
    expect(ErrorOutcome.requeueAfter(1500)).toEqual({ kind: 'requeueAfter', ms: 1500 });
    expect(() => ErrorOutcome.requeueAfter(-1)).toThrow(RangeError);
    expect(() => ErrorOutcome.requeueAfter(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("the controller's retry delay grows with the attempt and stops at 5 minutes", () => {
    const delays = [1, 2, 3, 20].map(retryDelayOf);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);
    expect(delays[3]).toBeLessThanOrEqual(300_000);
  });
});
