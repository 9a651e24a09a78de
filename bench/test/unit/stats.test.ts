import { describe, expect, it } from 'vitest';
import { median, percentile } from '../../src/stats.ts';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    { samples: hundred, p: 50, want: 50 },
    { samples: hundred, p: 99, want: 99 },
    { samples: hundred, p: 100, want: 100 },
    { samples: hundred, p: 0, want: 1 },
    // 200 samples: p99 is the 198th, not the maximum.
    { samples: Array.from({ length: 200 }, (_, i) => i + 1), p: 99, want: 198 },
    { samples: [7], p: 99, want: 7 },
    { samples: [1, 2], p: 50, want: 1 },
  ])('p$p of $samples.length samples is $want', ({ samples, p, want }) => {
    expect(percentile(samples, p)).toBe(want);
  });
  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('median', () => {
  it.each([
    { values: [3, 1, 2], want: 2 },
    { values: [4, 1, 3, 2], want: 2.5 },
    { values: [5], want: 5 },
    { values: [Number.NaN, 2, 4], want: 3 },
  ])('of $values is $want', ({ values, want }) => {
    expect(median(values)).toBe(want);
  });
  it('is NaN without values', () => {
    expect(median([])).toBeNaN();
    expect(median([Number.NaN])).toBeNaN();
  });
});
