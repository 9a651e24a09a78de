import { describe, expect, it } from 'vitest';
import {
  atLeast,
  bySeverityDescending,
  isSeverity,
  moreSevere,
  normalizeSeverity,
  SEVERITIES,
  SEVERITY_THRESHOLDS,
  type Severity,
  severityRank,
} from '../../src/severity.js';

describe('SEVERITIES', () => {
  it('ranks Unknown < Negligible < Low < Medium < High < Critical', () => {
    expect(SEVERITIES).toEqual(['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical']);
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('sorts most severe first, Unknown last', () => {
    const shuffled: Severity[] = ['Low', 'Unknown', 'Critical', 'Negligible', 'High', 'Medium'];
    expect(shuffled.sort(bySeverityDescending)).toEqual([
      'Critical',
      'High',
      'Medium',
      'Low',
      'Negligible',
      'Unknown',
    ]);
  });

  it('lets a rating win over Unknown when merging', () => {
    expect(moreSevere('Unknown', 'Negligible')).toBe('Negligible');
    expect(moreSevere('High', 'Unknown')).toBe('High');
    expect(moreSevere('Medium', 'Critical')).toBe('Critical');
    expect(moreSevere('Unknown', 'Unknown')).toBe('Unknown');
  });
});

describe('normalizeSeverity', () => {
  it.each([
    ['Critical', 'Critical'],
    ['High', 'High'],
    ['Medium', 'Medium'],
    ['Low', 'Low'],
    ['Negligible', 'Negligible'],
    ['Unknown', 'Unknown'],
    // Not normalized names: the vendor's own spelling, another case, nothing at all.
    ['high', 'Unknown'],
    ['CRITICAL', 'Unknown'],
    ['Important', 'Unknown'],
    ['', 'Unknown'],
    [undefined, 'Unknown'],
    [null, 'Unknown'],
    // Inherited object properties are not severities.
    ['toString', 'Unknown'],
  ] as const)('%s → %s', (input, expected) => {
    expect(normalizeSeverity(input)).toBe(expected);
  });

  it('isSeverity agrees, case-sensitively', () => {
    expect(SEVERITIES.every(isSeverity)).toBe(true);
    expect(['critical', 'None', 'constructor', ''].some(isSeverity)).toBe(false);
  });
});

describe('atLeast', () => {
  // Rows: the finding's severity; columns: the thresholds a policy can set, lowest first.
  const TABLE: Record<Severity, [low: boolean, medium: boolean, high: boolean, critical: boolean]> = {
    Critical: [true, true, true, true],
    High: [true, true, true, false],
    Medium: [true, true, false, false],
    Low: [true, false, false, false],
    // Negligible is a rating below every threshold.
    Negligible: [false, false, false, false],
    // Unknown (every Alpine finding) meets every threshold, so it is never silently dropped.
    Unknown: [true, true, true, true],
  };

  it.each(Object.entries(TABLE) as [Severity, boolean[]][])(
    '%s meets %j of Low, Medium, High, Critical',
    (severity, row) => {
      expect(SEVERITY_THRESHOLDS.map((threshold) => atLeast(severity, threshold))).toEqual(row);
    },
  );

  it('also takes the two lowest severities as thresholds', () => {
    expect(SEVERITIES.every((s) => atLeast(s, 'Unknown'))).toBe(true);
    expect(SEVERITIES.filter((s) => atLeast(s, 'Negligible'))).toEqual([...SEVERITIES]);
  });
});
