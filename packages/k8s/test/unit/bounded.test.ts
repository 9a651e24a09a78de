import { describe, expect, it } from 'vitest';
import { boundedName, MAX_LABEL_LENGTH, MAX_OBJECT_NAME_LENGTH } from '../../src/runtime/bounded-name.js';

// A DNS-1123 subdomain as the API server checks object names of most kinds (one label per dot-separated part).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A label value: empty, or alphanumeric at both ends with '-', '_' and '.' between.
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const long = (length: number, unit = 'a') => unit.repeat(length);

describe('boundedName', () => {
  it.each([
    ['a short name', ['web', 'dnsmanipulation'], 'web-dnsmanipulation'],
    ['a single part', ['nimbus-ctlr-gen-all'], 'nimbus-ctlr-gen-all'],
    ['exactly 253 characters', [long(237), 'dnsmanipulation'], `${long(237)}-dnsmanipulation`],
  ])('leaves %s unchanged, as upstream names it', (_, parts, expected) => {
    expect(boundedName(parts)).toBe(expected);
  });

  it.each([
    ['a KubeArmorPolicy of a 253-character policy', [long(253), 'escapetohost', 'procblock'], MAX_OBJECT_NAME_LENGTH],
    ['a fan-out NimbusPolicy of a 253-character binding', [`nimbus-ctlr-gen-${long(253)}`], MAX_OBJECT_NAME_LENGTH],
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
