import { describe, expect, it } from 'vitest';
import { deployedMemoryLimitMiB, quantityMiB, v8OldSpaceMiB } from '../../src/deployed-heap.ts';

describe('v8OldSpaceMiB', () => {
  it.each([
    // A quarter of the limit, doubled for 64-bit pointers, never below V8's 256 MiB minimum.
    { limit: 256, want: 256 },
    { limit: 512, want: 256 },
    { limit: 1024, want: 512 },
    { limit: 24 * 1024, want: 12 * 1024 },
  ])('is $want MiB under a $limit MiB limit', ({ limit, want }) => {
    expect(v8OldSpaceMiB(limit)).toBe(want);
  });
});

describe('quantityMiB', () => {
  it('reads Mi and Gi', () => {
    expect(quantityMiB('256Mi')).toBe(256);
    expect(quantityMiB('1Gi')).toBe(1024);
  });

  it('refuses other forms, naming the quantity', () => {
    expect(() => quantityMiB('300M')).toThrow('"300M" is not a memory quantity');
  });
});

describe('deployedMemoryLimitMiB', () => {
  it('reads the limits of the Deployments the benchmark measures', () => {
    expect(deployedMemoryLimitMiB('core-operator/deployment.yaml', 'nimbus-core-operator')).toBeGreaterThan(
      0,
    );
    expect(deployedMemoryLimitMiB('adapter-kubearmor/deployment.yaml', 'nimbus-kubearmor')).toBeGreaterThan(
      0,
    );
  });

  it('names the file when the Deployment is not there', () => {
    expect(() => deployedMemoryLimitMiB('core-operator/deployment.yaml', 'nimbus-other')).toThrow(
      'deploy/core-operator/deployment.yaml has no Deployment nimbus-other',
    );
  });
});
