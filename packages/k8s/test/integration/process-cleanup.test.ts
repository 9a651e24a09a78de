import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, it } from 'vitest';
import { pollUntil } from '../../src/testing/poll.js';
import { alive } from '../support/process.js';

const OWNER = fileURLToPath(new URL('./fixtures/owner-process.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/testing/index.js', import.meta.url));

interface Started {
  child: ChildProcess;
  pids: number[];
  dir: string;
}

function startOwner(mode: 'hang' | 'crash'): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OWNER, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    // Kept for the failure message; the "crash" owner's stack trace is expected and not worth printing.
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4_000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        const { pids, dir } = JSON.parse(line) as { pids: Record<string, number>; dir: string };
        resolve({ child, pids: Object.values(pids), dir });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`owner process exited (${code}) before the control plane was up:\n${err}`)),
    );
  });
}

// The three owners run at once: each waits mostly on its own kube-apiserver starting, and none shares anything.
describe.concurrent('no control-plane process outlives its owner', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) {
      throw new Error(
        `${BUILT} is missing. Fix: run 'pnpm build' (scripts/test does) before the integration tests.`,
      );
    }
  });

  it('when the owner is SIGKILLed', async ({ expect }) => {
    const { child, pids, dir } = await startOwner('hang');
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    await pollUntil('etcd and kube-apiserver to be reaped', 30_000, () => pids.every((pid) => !alive(pid)));
    await pollUntil("etcd's data to be removed", 10_000, () => !existsSync(join(dir, 'etcd')));
    // Logs stay for the post-mortem.
    expect(existsSync(join(dir, 'logs', 'kube-apiserver.log'))).toBe(true);
  });

  it('when the owner is interrupted with SIGINT', async ({ expect }) => {
    const { child, pids } = await startOwner('hang');
    // The components run in process groups of their own, so only the owner receives the interrupt.
    child.kill('SIGINT');
    await pollUntil('etcd and kube-apiserver to be reaped', 30_000, () => pids.every((pid) => !alive(pid)));
    expect(child.signalCode ?? child.exitCode).not.toBeNull();
  });

  it('when the owner crashes with an uncaught exception', async ({ expect }) => {
    const { child, pids } = await startOwner('crash');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(child.exitCode).not.toBe(0);
    await pollUntil('etcd and kube-apiserver to be killed', 30_000, () => pids.every((pid) => !alive(pid)));
  });
});
