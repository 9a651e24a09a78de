import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/**
 * The reaper is a tiny detached Node process, one per control plane. It polls the process that started the
 * control plane; when that process is gone (finished, crashed, SIGKILLed, interrupted) it kills every
 * recorded process group and removes the control plane's directory. `stop()` is the normal path; the reaper
 * is what guarantees that no etcd or kube-apiserver outlives a test run that never reached `stop()`.
 *
 * It runs as an inline script so it needs no file next to the compiled code, and it has no dependencies.
 */
const REAPER_SCRIPT = `
const fs = require('node:fs');
const [parentPid, groupsFile, removeDir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const groups = () => { try { return fs.readFileSync(groupsFile, 'utf8').split('\\n').filter(Boolean).map(Number); } catch { return []; } };
const signal = (sig) => { for (const g of groups()) { try { process.kill(-g, sig); } catch {} } };
const timer = setInterval(() => {
  if (alive(Number(parentPid))) return;
  clearInterval(timer);
  // Last started first, as stop() does: kube-apiserver exits at once while its etcd still answers, and etcd once
  // nothing streams from it; SIGTERMed together, each waits on the other until killed. All within 3 s, then SIGKILL.
  const pending = groups().reverse();
  const deadline = Date.now() + 3000;
  let current;
  const next = () => {
    while (pending.length > 0 && !alive(pending[0])) pending.shift();
    if (pending.length === 0 || Date.now() >= deadline) {
      signal('SIGKILL');
      if (removeDir) { try { fs.rmSync(removeDir, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }
    if (current !== pending[0]) {
      current = pending[0];
      try { process.kill(-current, 'SIGTERM'); } catch {}
    }
    setTimeout(next, 50);
  };
  next();
}, 250);
process.on('SIGTERM', () => process.exit(0));
`;

/** Handle on a running reaper. */
export interface Reaper {
  /** Records a process group (the pid of a `detached` child) to kill if the owner dies. */
  watch(pgid: number): void;
  /** Ends the reaper without killing anything; call after a normal, complete shutdown. */
  dismiss(): void;
}

/**
 * Starts a reaper that outlives this process.
 *
 * @param groupsFile - file the reaper reads process-group ids from, one per line.
 * @param removeDir - directory to delete after killing, or undefined to keep it (e.g. for its logs).
 */
export function startReaper(groupsFile: string, removeDir: string | undefined): Reaper {
  appendFileSync(groupsFile, '');
  const child = spawn(
    process.execPath,
    ['-e', REAPER_SCRIPT, String(process.pid), groupsFile, removeDir ?? ''],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
  return {
    watch(pgid) {
      appendFileSync(groupsFile, `${pgid}\n`);
    },
    dismiss() {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
