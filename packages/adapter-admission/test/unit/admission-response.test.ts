import { describe, expect, it } from 'vitest';
import {
  type AdmissionDecision,
  admissionReviewAllowed,
  admissionReviewAnswer,
  admissionReviewMalformed,
  fitText,
  fitWarnings,
  imageReviewAnswer,
  MAX_WARNING_BYTES,
  MAX_WARNINGS,
  type Violation,
  violationList,
} from '../../src/admission/index.js';

const UID = 'e911857d-c318-11e8-bbad-025000000001';

const violation = (image: string, action: 'Block' | 'Audit', over: Partial<Violation> = {}): Violation => ({
  image,
  container: 'web',
  source: 'container',
  policy: 'p',
  rule: 'disallowLatestTag',
  action,
  reason: 'uses the mutable tag latest; pin a version or a digest',
  ...over,
});

const decision = (over: Partial<AdmissionDecision>): AdmissionDecision => ({
  allowed: true,
  denials: [],
  warnings: [],
  notices: [],
  ...over,
});

describe('admissionReviewAnswer', () => {
  it('allows with the uid and nothing else when nothing is wrong', () => {
    expect(admissionReviewAnswer(UID, decision({}))).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: UID, allowed: true },
    });
    expect(admissionReviewAllowed(UID)).toEqual(admissionReviewAnswer(UID, decision({})));
  });

  it('denies with 403 and a message listing each offending image', () => {
    const denials = [violation('nginx:latest', 'Block'), violation('redis', 'Block', { container: 'cache' })];
    expect(admissionReviewAnswer(UID, decision({ allowed: false, denials })).response).toEqual({
      uid: UID,
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message:
          'container web: image nginx:latest uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag); ' +
          'container cache: image redis uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag)',
      },
    });
  });

  it('allows Audit violations with warnings and an audit annotation; notices are warnings only', () => {
    const response = admissionReviewAnswer(
      UID,
      decision({ warnings: [violation('nginx', 'Audit')], notices: ['image x was admitted without a scan'] }),
    ).response;
    expect(response).toEqual({
      uid: UID,
      allowed: true,
      warnings: [
        'container web: image nginx uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag)',
        'image x was admitted without a scan',
      ],
      auditAnnotations: {
        'audit-violations':
          'container web: image nginx uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag)',
      },
    });
  });

  it('sends warnings along with a denial', () => {
    const response = admissionReviewAnswer(
      UID,
      decision({ allowed: false, denials: [violation('a', 'Block')], warnings: [violation('b', 'Audit')] }),
    ).response;
    expect(response.allowed).toBe(false);
    expect(response.warnings).toHaveLength(1);
  });

  it('refuses an unreadable object with 400, echoing the uid', () => {
    expect(admissionReviewMalformed(UID, 'no object')).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: UID,
        allowed: false,
        status: { code: 400, reason: 'BadRequest', message: 'no object' },
      },
    });
  });
});

describe('violationList', () => {
  it('lists up to ten violations and counts the rest', () => {
    const many = Array.from({ length: 13 }, (_, i) => violation(`img${i}`, 'Block'));
    const text = violationList(many);
    expect(text.split('; container').length).toBe(10);
    expect(text).toMatch(/img9 .*; and 3 more$/);
    expect(text).not.toContain('img10');
  });
});

describe('imageReviewAnswer', () => {
  it.each([
    ['allowed', decision({}), { allowed: true }],
    [
      'denied: a 200 with allowed false and the reason',
      decision({ allowed: false, denials: [violation('nginx', 'Block', { container: undefined })] }),
      {
        allowed: false,
        reason:
          'image nginx uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag)',
      },
    ],
    [
      'audited: allowed, with audit annotations',
      decision({ warnings: [violation('nginx', 'Audit', { container: undefined })] }),
      {
        allowed: true,
        auditAnnotations: {
          'audit-violations':
            'image nginx uses the mutable tag latest; pin a version or a digest (policy p, disallowLatestTag)',
        },
      },
    ],
  ])('%s', (_name, input, status) => {
    expect(imageReviewAnswer(input)).toEqual({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      status,
    });
  });
});

describe('warnings within what the apiserver passes on', () => {
  it.each([
    ['short text unchanged', 'plain', 20, 'plain'],
    ['control characters become spaces', 'a\nb\tc\u0000d\u009b', 20, 'a b c d '],
    ['cut with an ellipsis', 'abcdefghij', 8, 'abcde…'],
    ['never inside a multi-byte character', 'ééééé', 8, 'éé…'],
    ['exactly at the limit', 'abcdefgh', 8, 'abcdefgh'],
  ])('%s', (_name, text, max, expected) => {
    const fitted = fitText(text, max);
    expect(fitted).toBe(expected);
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(max);
  });

  it('keeps each warning within 256 bytes and the list short, counting what was left out', () => {
    const texts = Array.from({ length: 25 }, (_, i) => `${i}:${'x'.repeat(400)}`);
    const warnings = fitWarnings(texts);
    expect(warnings).toHaveLength(MAX_WARNINGS);
    for (const warning of warnings) expect(Buffer.byteLength(warning)).toBeLessThanOrEqual(MAX_WARNING_BYTES);
    expect(warnings.at(-1)).toBe('16 more image admission warnings not shown');
    expect(fitWarnings(texts.slice(0, MAX_WARNINGS))).toHaveLength(MAX_WARNINGS);
    expect(fitWarnings([])).toEqual([]);
  });
});
