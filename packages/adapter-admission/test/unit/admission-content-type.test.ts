import { describe, expect, it } from 'vitest';
import { jsonContentTypeProblem } from '../../src/admission/index.js';

describe('jsonContentTypeProblem', () => {
  it.each([
    ['application/json', undefined],
    ['Application/JSON', undefined],
    [' application/json ', undefined],
    ['application/json; charset=utf-8', undefined],
    ['application/json;charset=UTF8', undefined],
    ['application/json; charset="utf-8"', undefined],
    ['application/json; foo=bar', undefined],
    ['application/json; charset', undefined], // a parameter without a value names no charset
    [undefined, 'the content type must be application/json; none was sent'],
    ['', 'the content type must be application/json, not (empty)'],
    ['text/plain', 'the content type must be application/json, not text/plain'],
    ['application/yaml', 'the content type must be application/json, not application/yaml'],
    [
      'application/merge-patch+json',
      'the content type must be application/json, not application/merge-patch+json',
    ],
    ['application/json; charset=latin1', 'the charset must be utf-8, not latin1'],
    ['application/json; charset=utf-16', 'the charset must be utf-8, not utf-16'],
  ])('%j → %j', (contentType, expected) => {
    expect(jsonContentTypeProblem(contentType)).toBe(expected);
  });
});
