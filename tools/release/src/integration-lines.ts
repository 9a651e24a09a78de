import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Which of the two integration lines of `./scripts/test` runs a test file, by its path from the repository root.
 * Each line is a vitest process with a control plane of its own (`--shard=1/2` and `--shard=2/2`), and the files of
 * one line run one after another on it. Line 1 holds what must share one process: the files that start Kyverno
 * (the Kyverno adapter's and the demo's), so that two Kyvernos never run at once, and the files that use the shared
 * scan stack (one PostgreSQL + Clair per process, started by the first file that asks for it; a file that starts a
 * scan stack of its own may run anywhere). With the other files of `packages/` but the CLI's it takes about as long
 * as line 2: the CLI's, the other tools', the system tests of `e2e/` and the netpol example.
 * The lines partition the files by construction: a file is in line 2 unless it is in line 1.
 */
export function integrationLine(path: string): 1 | 2 {
  const line1 = ['packages/', 'examples/demo/', 'tools/scan-testenv/'];
  // The CLI's files need neither Kyverno nor the shared scan stack: in line 2 they even out the lines' times
  // (a warm run gave line 1 463 s and line 2 318 s with them in line 1; they take about 40 s).
  const line2 = ['packages/cli/'];
  if (line2.some((prefix) => path.startsWith(prefix))) return 2;
  return line1.some((prefix) => path.startsWith(prefix)) ? 1 : 2;
}

/**
 * vitest's sequencer, except that `--shard=1/2` and `--shard=2/2` select the {@link integrationLine}s instead of
 * halves of a hash order; other shard counts shard as vitest does.
 */
export class IntegrationLineSequencer extends BaseSequencer {
  override async shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { root, shard } = this.ctx.config;
    if (shard?.count !== 2) return super.shard(files);
    return files.filter((spec) => integrationLine(relative(root, spec.moduleId)) === shard.index);
  }
}
