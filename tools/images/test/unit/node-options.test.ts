import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IMAGE_ENV, IMAGE_NODE_OPTIONS } from '../../src/build.js';

// The images start Node with IMAGE_NODE_OPTIONS in NODE_OPTIONS. Node refuses some V8 options there; this runs Node as
// the images do and checks that it starts and that V8 keeps the young generation within the cap while a process
// keeps many objects alive, as a controller filling its caches does (the case the cap is for).

const SEMI_SPACE_MB = Number(/--max-semi-space-size=(\d+)/.exec(IMAGE_NODE_OPTIONS)?.[1]);

/** Keeps ~100,000 small objects alive while allocating 600,000, and prints the young generation's largest size. */
const FILL_A_CACHE = `
  const v8 = require('node:v8');
  let largest = 0;
  const kept = [];
  for (let i = 0; i < 600000; i++) {
    kept.push({ name: 'object-' + i, labels: { app: 'a' + (i % 97) }, refs: [i, i + 1] });
    if (kept.length > 100000) kept.splice(0, 50000);
    if (i % 1000 === 0) {
      const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      largest = Math.max(largest, young ? young.space_size : 0);
    }
  }
  process.stdout.write(String(largest));
`;

describe('the images’ Node options', () => {
  it('are set in every image’s environment as NODE_OPTIONS, with a young generation cap', () => {
    expect(IMAGE_ENV).toContain(`NODE_OPTIONS=${IMAGE_NODE_OPTIONS}`);
    expect(SEMI_SPACE_MB).toBeGreaterThan(0);
  });

  it('are accepted by Node in NODE_OPTIONS, and V8 keeps the young generation within the cap', () => {
    const result = spawnSync(process.execPath, ['-e', FILL_A_CACHE], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: IMAGE_NODE_OPTIONS },
    });
    expect(result.status, result.stderr).toBe(0);
    const largest = Number(result.stdout);
    // With the cap, new_space holds two semi-spaces plus pages V8 adds while a scavenge runs: 8–9 MiB on an idle
    // machine, 12.25 MiB once under a loaded test run, where scavenges lag the allocation. The bound is four
    // semi-spaces, so that lag cannot fail the check, and still far below what V8 takes without the cap (64–128 MiB
    // measured on a 24 GB machine). It did grow, so the loop measured something.
    expect(largest).toBeGreaterThan(1024 * 1024);
    expect(largest).toBeLessThanOrEqual(4 * SEMI_SPACE_MB * 1024 * 1024);
  });
});
