import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers.js';

// The built executable, as a shell runs it: the shebang, and exit codes that reach the shell. Everything else
// is tested through main() in-process.

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

function nimbus(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
}

describe('the nimbus executable (dist/main.js)', () => {
  it('is built, and starts with a node shebang so `nimbus` runs from PATH', () => {
    expect(existsSync(MAIN), `${MAIN} is missing: build the package first (pnpm turbo run build)`).toBe(true);
    expect(readFileSync(MAIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('exits 0 after rendering, with the objects on stdout', () => {
    const result = nimbus('render', '-f', fixture('upstream/escape-to-host-si-sib.yaml'), '-o', 'table');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('KubeArmorPolicy/escape-to-host-binding-escapetohost-disallowchroot');
    expect(result.stdout).toContain('Policy/escape-to-host-binding-escapetohost');
    // Only render's note that the Kyverno adapter's VulnerabilityReport input is empty offline.
    expect(result.stderr).toMatch(
      /^nimbus render: note: adapter kyverno: it reads VulnerabilityReport objects[^\n]*\n$/,
    );
  });

  it('exits 1 on invalid input and 2 on a usage error', () => {
    expect(nimbus('validate', '-f', fixture('invalid/intents.yaml')).status).toBe(1);
    const usage = nimbus('render', '--no-such-flag');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('unknown flag --no-such-flag');
  });
});
