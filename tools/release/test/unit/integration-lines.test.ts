import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrationLine } from '../../src/integration-lines.js';

const root = resolve(import.meta.dirname, '../../../..');

/** Every integration test file of the projects ./scripts/test splits into lines, from the repository root. */
function integrationFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\/test\/(integration|install)\/.*\.test\.ts$/.test(path)) found.push(relative(root, path));
    }
  };
  for (const top of ['packages', 'examples', 'tools', 'e2e']) walk(join(root, top));
  return found;
}

describe('the integration lines of ./scripts/test', () => {
  it.each([
    ['packages/adapter-kyverno/test/integration/kyverno-engine.test.ts', 1],
    ['examples/demo/test/integration/demo.test.ts', 1],
    ['packages/adapter-clair/test/integration/scanner.test.ts', 1],
    ['tools/scan-testenv/test/integration/clients.test.ts', 1],
    ['e2e/test/integration/clair-with-operator.test.ts', 2],
    ['packages/core-operator/test/integration/binding.test.ts', 1],
    ['e2e/test/integration/status-writes.test.ts', 2],
    ['examples/adapter-netpol/test/integration/netpol-adapter.test.ts', 2],
    ['tools/images/test/integration/images.test.ts', 2],
    ['packages/cli/test/integration/render-apply.test.ts', 2],
    ['tools/packaging/test/install/install-from-tarballs.test.ts', 2],
  ] as const)('%s runs in line %i', (path, line) => {
    expect(integrationLine(path)).toBe(line);
  });

  // Two Kyvernos at once, or a second shared scan stack, is what the split must never cause: every file that
  // starts Kyverno (itself, or through the demo) or uses the shared scan stack is in line 1, wherever it lives.
  it('keeps every file that starts Kyverno or uses the shared scan stack in line 1', () => {
    const files = integrationFiles();
    const sharing = files.filter((file) =>
      /\bstartKyverno\(|\bsharedScanStack\(|examples\/demo\//.test(
        `${file}\n${readFileSync(join(root, file), 'utf8')}`,
      ),
    );
    expect(sharing).toEqual(
      expect.arrayContaining([
        'packages/adapter-kyverno/test/integration/kyverno-engine.test.ts',
        'examples/demo/test/integration/demo.test.ts',
        'tools/scan-testenv/test/integration/shared-scan-stack.test.ts',
      ]),
    );
    expect(sharing.filter((file) => integrationLine(file) !== 1)).toEqual([]);
  });
});
