import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's first command, as it runs after the build: the demo comes up on its own control plane, converges,
// prints the tree and (with --exit-when-ready) stops everything it started.

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('the demo', () => {
  it('converges, prints the nimbus status tree, and cleans up', async () => {
    const child = spawn(process.execPath, [MAIN, '--exit-when-ready'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^demo: settled: \d+ bindings → \d+ policies → \d+ engine objects/m);
    expect(stderr).toContain('stopped; nothing is left running.');
    // The tree: bindings → policies → adapters → engine objects, from the real operator and adapters.
    expect(stdout).toContain('SecurityIntentBinding demo/backend-confinement');
    // Every example binding is healthy: each of its rules is enforced by a running adapter that wrote what it
    // built (an engine object the engine refused would show as Enforced=False here).
    expect(stdout).toMatch(/^(\d+) binding\(s\) in any namespace: \1 healthy, 0 degraded$/m);
    // Real Kyverno enforces the Kyverno adapter's policies wherever it is built (`./scripts/test` builds it).
    if (!stderr.includes('is not built on this machine'))
      expect(stderr).toContain('Kyverno is admitting requests');
    expect(stdout).toMatch(/Enforced=True AdaptersRunning/);
    expect(stdout).toMatch(/KubeArmorPolicy demo\/backend-confinement-dnsmanipulation/);
    expect(stdout).toMatch(/NetworkPolicy demo\/backend-confinement-denyexternalnetworkaccess/);
    // The Kyverno adapter runs in the demo: escapeToHost's second half, cocoWorkload and virtualPatch are enforced.
    expect(stdout).not.toContain('deploy an adapter for kyverno');
    expect(stdout).toMatch(/Policy demo\/\S+-(escapetohost|mutateoncreate|virtualpatch-cve-2021-44228)/);
    // assessTLS is enforced: the k8tls adapter's CronJob in its namespace, for the cluster binding.
    expect(stdout).not.toContain('deploy an adapter for k8tls');
    expect(stdout).toMatch(/CronJob nimbus-system\/tls-assessment-assesstls/);
    // Admission through the real API server: the refused workloads, each with the webhook's reason.
    expect(stderr).toContain('$ kubectl apply -f examples/workloads/rejected-by-admission.yaml');
    expect(stderr).toMatch(
      /denied the request: container nginx: image nginx:latest uses the mutable tag latest/,
    );
    expect(stderr).toMatch(/denied the request: .*quay\.io/);
    if (stderr.includes('scanning is off')) return;
    expect(stderr).toMatch(
      /denied the request: container storefront: .* has \d+ Critical vulnerabilit.*CVE-2099-0001/,
    );
    expect(stdout).toMatch(/ImageAdmissionPolicy demo\/shop-image-security-imageadmission/);
    // With Clair: the storefront's image is scanned and the scan summary shows in the tree.
    expect(stdout).toMatch(
      /ImageScanPolicy demo\/shop-image-security-vulnerabilityscanning {2}1 image: \d+ high/,
    );
  }, 600_000);
});
