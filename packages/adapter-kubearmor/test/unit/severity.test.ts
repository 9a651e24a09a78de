import { describe, expect, it } from 'vitest';
import { kubeArmorSeverity } from '../../src/severity.js';

describe('kubeArmorSeverity', () => {
  it.each([
    ...Array.from({ length: 10 }, (_, i) => ({ input: String(i + 1), expected: i + 1 })),
    { input: 'Info', expected: 1 },
    { input: 'informational', expected: 1 },
    { input: 'INFORMATIONAL', expected: 1 },
    { input: 'Low', expected: 3 },
    { input: 'low', expected: 3 },
    { input: 'Medium', expected: 5 },
    { input: 'mEdIuM', expected: 5 },
    { input: 'High', expected: 7 },
    { input: 'HIGH', expected: 7 },
    { input: 'Critical', expected: 10 },
    { input: 'critical', expected: 10 },
  ])('maps "$input" to $expected', ({ input, expected }) => {
    expect(kubeArmorSeverity(input)).toBe(expected);
  });

  it.each([
    undefined,
    '',
    '0',
    '11',
    '-1',
    '05',
    '5.0',
    '1e1',
    ' 5',
    '7 ',
    'High ',
    'Severe',
    'Moderate',
    'toString',
    'constructor',
  ])('leaves %j out', (input) => {
    expect(kubeArmorSeverity(input)).toBeUndefined();
  });
});
