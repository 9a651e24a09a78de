import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs kubectl with a kubeconfig and returns its stdout; rejects with kubectl's own stderr on a non-zero
 * exit, so a failing test shows what kubectl said.
 */
export async function runKubectl(
  kubectl: string,
  kubeconfig: string,
  args: readonly string[],
): Promise<string> {
  if (!existsSync(kubectl)) throw new Error(`kubectl not found at ${kubectl}; re-run the envtest build`);
  try {
    const { stdout } = await execFileAsync(kubectl, [`--kubeconfig=${kubeconfig}`, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}
