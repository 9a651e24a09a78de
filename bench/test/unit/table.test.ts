import { describe, expect, it } from 'vitest';
import { alignColumns, formatNumber, formatRatio, renderComparison } from '../../src/table.ts';

describe('formatRatio', () => {
  it.each([
    { floor: 10, value: 13, want: '1.30×' },
    { floor: 3, value: 3, want: '1.00×' },
    { floor: 200, value: 100, want: '0.50×' },
    { floor: 0, value: 0, want: '—' },
    { floor: 0, value: 35, want: '+35' },
    { floor: 0, value: 1234, want: '+1,234' },
    { floor: Number.NaN, value: 1, want: '—' },
    { floor: 1, value: Number.NaN, want: '—' },
  ])('$value against a floor of $floor is $want', ({ floor, value, want }) => {
    expect(formatRatio(floor, value)).toBe(want);
  });
});

describe('formatNumber', () => {
  it.each([
    { value: 1234.567, digits: 1, want: '1,234.6' },
    { value: 3, digits: 2, want: '3.00' },
    { value: 0, digits: 0, want: '0' },
    { value: Number.NaN, digits: 1, want: '—' },
  ])('$value with $digits digits is $want', ({ value, digits, want }) => {
    expect(formatNumber(value, digits)).toBe(want);
  });
});

describe('alignColumns', () => {
  it('left-aligns the first column, right-aligns the others, and trims short rows', () => {
    expect(alignColumns([['measure', 'a', 'bb'], ['x', '1234', '5'], ['heading']])).toEqual([
      'measure     a  bb',
      'x        1234   5',
      'heading',
    ]);
  });
});

describe('renderComparison', () => {
  it('prints a heading, then each measure with both figures, the ratio and the target', () => {
    const text = renderComparison([
      'core operator',
      { label: 'converge time (s)', floor: 10, nimbus: 12.5, digits: 2, target: 1.3 },
      { label: 'Events written', floor: 0, nimbus: 1000, digits: 0 },
    ]);
    expect(text.split('\n')).toEqual([
      'measure              floor  nimbus-ts   ratio  target',
      'core operator',
      '  converge time (s)  10.00      12.50   1.25×  ≤ 1.3×',
      '  Events written         0      1,000  +1,000',
      '',
    ]);
  });
});
