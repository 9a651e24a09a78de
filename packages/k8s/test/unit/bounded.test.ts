import { describe, expect, it } from 'vitest';
import { boundedName, MAX_LABEL_LENGTH, MAX_OBJECT_NAME_LENGTH } from '../../src/runtime/bounded-name.js';
import { boundedMessage, MAX_CONDITION_MESSAGE_LENGTH, setCondition } from '../../src/runtime/conditions.js';

// A DNS-1123 subdomain as the API server checks object names of most kinds (one label per dot-separated part).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A label value: empty, or alphanumeric at both ends with '-', '_' and '.' between.
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const long = (length: number, unit = 'a') => unit.repeat(length);
const codePoints = (s: string) => [...s].length;

describe('boundedName', () => {
  it.each([
    ['a short name', ['web', 'dnsmanipulation'], 'web-dnsmanipulation'],
    ['a single part', ['nimbus-ctlr-gen-all'], 'nimbus-ctlr-gen-all'],
    ['exactly 253 characters', [long(237), 'dnsmanipulation'], `${long(237)}-dnsmanipulation`],
  ])('leaves %s unchanged, as upstream names it', (_, parts, expected) => {
    expect(boundedName(parts)).toBe(expected);
  });

  it.each([
    [
      'a KubeArmorPolicy of a 253-character policy',
      [long(253), 'escapetohost', 'procblock'],
      MAX_OBJECT_NAME_LENGTH,
    ],
    [
      'a fan-out NimbusPolicy of a 253-character binding',
      [`nimbus-ctlr-gen-${long(253)}`],
      MAX_OBJECT_NAME_LENGTH,
    ],
    ['a name cut at a dot', [`${long(230)}.${long(30)}`, 'x'], MAX_OBJECT_NAME_LENGTH],
    ['a name cut at a dash', [long(241), long(20, 'b')], MAX_OBJECT_NAME_LENGTH],
    ['a label value', [long(40), long(40, 'b')], MAX_LABEL_LENGTH],
    ['a label value cut at dashes', [long(51), '---', long(20, 'z')], MAX_LABEL_LENGTH],
  ])('shortens %s to the limit, valid, with a hash suffix', (_, parts, limit) => {
    const name = boundedName(parts, limit);
    expect(name.length).toBeLessThanOrEqual(limit);
    expect(name).toMatch(limit === MAX_LABEL_LENGTH ? LABEL_VALUE : DNS1123_SUBDOMAIN);
    expect(name).toMatch(/-[0-9a-f]{10}$/);
    expect(name.startsWith(parts[0]?.slice(0, 40) ?? '')).toBe(true);
  });

  it('is deterministic, and different long names stay different', () => {
    const a = boundedName([long(253), 'escapetohost', 'procblock']);
    expect(boundedName([long(253), 'escapetohost', 'procblock'])).toBe(a);
    expect(boundedName([long(253), 'escapetohost', 'fileblock'])).not.toBe(a);
    expect(boundedName([long(253), 'escapetohost', 'fileblock']).slice(0, -11)).toBe(a.slice(0, -11));
  });

  it('refuses a limit too small for the hash', () => {
    expect(() => boundedName(['abcdefghijklmnop'], 11)).toThrow(/no room for a hash suffix/);
  });
});

describe('boundedMessage', () => {
  it('leaves a message within the limit unchanged', () => {
    expect(boundedMessage('ok')).toBe('ok');
    const full = long(MAX_CONDITION_MESSAGE_LENGTH);
    expect(boundedMessage(full)).toBe(full);
  });

  it('cuts a longer message to the limit with a note of how much is gone', () => {
    const message = boundedMessage(long(40_000));
    expect(codePoints(message)).toBeLessThanOrEqual(MAX_CONDITION_MESSAGE_LENGTH);
    const kept = message.match(/^a+/)?.[0].length ?? 0;
    expect(message.slice(kept)).toBe(` … (truncated, ${40_000 - kept} more characters)`);
    expect(kept).toBeGreaterThan(MAX_CONDITION_MESSAGE_LENGTH - 50);
  });

  // The API server counts a string's maxLength in Unicode code points (utf8.RuneCountInString), not in bytes
  // and not in UTF-16 units: an emoji is one character to it and two to String.length.
  it('counts code points as the API server does, and never splits a surrogate pair', () => {
    const emoji = '🔒';
    const fits = long(MAX_CONDITION_MESSAGE_LENGTH, emoji);
    expect(fits.length).toBe(2 * MAX_CONDITION_MESSAGE_LENGTH); // UTF-16 units
    expect(boundedMessage(fits)).toBe(fits);
    const cut = boundedMessage(long(MAX_CONDITION_MESSAGE_LENGTH + 10, emoji));
    expect(codePoints(cut)).toBeLessThanOrEqual(MAX_CONDITION_MESSAGE_LENGTH);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(cut).toMatch(/ … \(truncated, \d+ more characters\)$/);
  });

  it('is applied by setCondition, so no condition can fail a status write by its length', () => {
    const [condition] = setCondition(undefined, {
      type: 'Ready',
      status: 'False',
      reason: 'SecurityIntentsNotFound',
      message: long(100_000),
    });
    expect(codePoints(condition?.message ?? '')).toBeLessThanOrEqual(MAX_CONDITION_MESSAGE_LENGTH);
    expect(condition?.message).toMatch(/more characters\)$/);
  });
});
