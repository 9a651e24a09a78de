#!/usr/bin/env node
// `pnpm layers`: every workspace package with its workspace dependencies, as rows of the layering table of
// docs/ARCHITECTURE.md (kinds from that table), then where the table and the package.json files disagree.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DeclaredLayer,
  formatLayerRow,
  isPendingProblem,
  kindProblems,
  LAYERING_DOCUMENT,
  layeringProblems,
  parseLayering,
  workspaceDependencies,
} from './layers.js';
import { readWorkspacePackages } from './workspace.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const packages = readWorkspacePackages(root);
let declared: DeclaredLayer[] = [];
let problems: string[] = [];
let pending: string[] = [];
try {
  declared = parseLayering(readFileSync(join(root, LAYERING_DOCUMENT), 'utf8'));
  const broken = kindProblems(packages, declared);
  pending = broken.filter((p) => isPendingProblem(p));
  problems = [...layeringProblems(packages, declared), ...broken.filter((p) => !isPendingProblem(p))];
} catch (error) {
  problems = [(error as Error).message];
}
const kinds = new Map(declared.map((row) => [row.name, row.kind]));

console.log('| package | kind | workspace dependencies |');
console.log('| ------- | ---- | ---------------------- |');
for (const pkg of packages) {
  const { name } = pkg.manifest;
  console.log(formatLayerRow(name, kinds.get(name), workspaceDependencies(pkg, packages)));
}
if (pending.length > 0) {
  console.log('\nPending exceptions (PENDING_COMPONENT_DEPENDENCIES in tools/packaging/src/layers.ts):');
  for (const problem of pending) console.log(`- ${problem}`);
}
if (problems.length > 0) {
  console.error(`\n${LAYERING_DOCUMENT} and the workspace disagree:`);
  for (const problem of problems) console.error(`- ${problem}`);
  process.exitCode = 1;
} else {
  console.log(`\nThe workspace matches the layering declared in ${LAYERING_DOCUMENT}.`);
}
