import { describe, expect, it } from 'vitest';
import { startControlPlane } from '../../src/testing/control-plane.js';

describe('startup failures', () => {
  it('a component that dies names itself, its exit code, its log and what it said', async () => {
    const error = await startControlPlane({
      controllerManager: false,
      apiServerFlags: { 'no-such-flag': 'x' },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/the control plane did not start/);
    expect(error?.message).toMatch(/kube-apiserver exited with code \d+\. Log: \S+kube-apiserver\.log/);
    expect(error?.message).toContain('no-such-flag');
    expect(error?.message).toMatch(/Working directory kept: \S+/);
  });
});
