import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, inject } from 'vitest';
import { FAILED_MARKER } from './vitest-global-setup.js';

/**
 * Vitest `setupFiles` module: when a test fails, prints where the control plane's logs are and marks the
 * directory to be kept after the run.
 */
afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  const env = inject('nimbusEnvtest');
  if (!env) return;
  writeFileSync(join(env.dir, FAILED_MARKER), `${context.task.name}\n`, { flag: 'a' });
  const logs = Object.entries(env.logs)
    .map(([name, path]) => `  ${name}: ${path}`)
    .join('\n');
  process.stderr.write(`\n"${context.task.name}" failed; control-plane logs:\n${logs}\n`);
});
