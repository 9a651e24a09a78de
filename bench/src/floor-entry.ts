// The floor controller's entry point as plain JavaScript, so that its process carries no TypeScript stripper: Node
// strips a .ts entry point with a compiler it loads into that process (some 15 MB), which the components, run
// from their compiled dist/, do not pay. Its peak RSS would otherwise not compare with theirs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

const SOURCES = fileURLToPath(new URL('.', import.meta.url));
/** The floor controller and the local modules it imports. */
const FILES = ['floor-controller.ts', 'work-queue.ts'];
/** Under node_modules (ignored by git) and under bench/, so that bare imports resolve to bench's dependencies. */
const OUT = fileURLToPath(new URL('../node_modules/.cache/bench-floor/', import.meta.url));

/**
 * Writes `src/floor-controller.ts` and `src/work-queue.ts` as `.mjs` files with the types stripped,
 * and returns the path of the entry point.
 */
export function floorControllerEntry(): string {
  mkdirSync(OUT, { recursive: true });
  for (const file of FILES) {
    const code = stripTypeScriptTypes(readFileSync(`${SOURCES}${file}`, 'utf8'), { mode: 'strip' });
    writeFileSync(
      `${OUT}${file.replace(/\.ts$/, '.mjs')}`,
      code.replace(/(from '\.\/[\w-]+)\.ts'/g, "$1.mjs'"),
    );
  }
  return `${OUT}floor-controller.mjs`;
}
