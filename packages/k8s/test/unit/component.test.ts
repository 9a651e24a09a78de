import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Component, PortInUseError } from '../../src/testing/component.js';
import { pollUntil } from '../../src/testing/poll.js';
import type { Reaper } from '../../src/testing/reaper.js';
import { alive } from '../support/process.js';

const watched: number[] = [];
const reaper: Reaper = { watch: (pgid) => watched.push(pgid), dismiss: () => {} };

async function script(body: string): Promise<{ bin: string; log: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'component-'));
  const bin = join(dir, 'fake');
  await writeFile(bin, `#!/bin/sh\n${body}\n`);
  await chmod(bin, 0o755);
  return { bin, log: join(dir, 'fake.log') };
}

describe('Component', () => {
  afterEach(() => {
    for (const pgid of watched.splice(0)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('logs to its file and reports death with the exit code, log path and log tail', async () => {
    const { bin, log } = await script('echo "flag provided but not defined: -bogus"; exit 3');
    const c = new Component('fake-apiserver', bin, [], log, reaper);
    c.start();
    await pollUntil('exit', 5_000, () => c.died);
    expect(() => c.assertAlive()).toThrow(/fake-apiserver exited with code 3\. Log: .*fake\.log\n.*-bogus/s);
    expect(await readFile(log, 'utf8')).toContain('flag provided but not defined');
  });

  it('turns "address already in use" into a PortInUseError so the caller can retry', async () => {
    const { bin, log } = await script(
      'echo "listen tcp 127.0.0.1:1234: bind: address already in use" >&2; exit 1',
    );
    const c = new Component('fake-etcd', bin, [], log, reaper);
    c.start();
    await pollUntil('exit', 5_000, () => c.died);
    expect(() => c.assertAlive()).toThrow(PortInUseError);
  });

  it('stop() kills the whole process group, grandchildren included', async () => {
    const { bin, log } = await script('sleep 300 & echo $! > "$0.child"; wait');
    const c = new Component('fake-group', bin, [], log, reaper);
    c.start();
    await pollUntil(
      'grandchild pid',
      5_000,
      async () => (await readFile(`${bin}.child`, 'utf8').catch(() => '')) !== '',
    );
    const grandchild = Number((await readFile(`${bin}.child`, 'utf8')).trim());
    expect(alive(grandchild)).toBe(true);
    await c.stop();
    expect(c.died).toBe(false);
    await pollUntil('grandchild to die', 5_000, () => !alive(grandchild));
    expect(watched).toContain(c.pid);
  });

  it('passes environment and working directory, and stops with the configured signal', async () => {
    const { bin, log } = await script(
      "echo \"env=$NIMBUS_PROBE cwd=$(pwd)\"; trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.1; done",
    );
    const cwd = await mkdtemp(join(tmpdir(), 'component-cwd-'));
    const c = new Component('fake-postgres', bin, [], log, reaper, {
      env: { ...process.env, NIMBUS_PROBE: 'yes' },
      cwd,
      stopSignal: 'SIGINT',
    });
    c.start();
    await pollUntil('first line', 5_000, async () =>
      (await readFile(log, 'utf8').catch(() => '')).includes('env='),
    );
    await c.stop();
    const text = await readFile(log, 'utf8');
    expect(text).toContain(`env=yes cwd=${cwd}`);
    expect(text).toContain('got INT');
    expect(text).not.toContain('got TERM');
  });

  it('stop(signal) sends that signal instead: SIGKILL gives no chance to shut down (a crash)', async () => {
    const { bin, log } = await script(
      "trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.1; done",
    );
    const c = new Component('fake-etcd', bin, [], log, reaper);
    c.start();
    await pollUntil('first line', 5_000, async () =>
      (await readFile(log, 'utf8').catch(() => '')).includes('up'),
    );
    const pid = c.pid as number;
    await c.stop('SIGKILL');
    expect(alive(pid)).toBe(false);
    expect(c.died).toBe(false);
    expect(await readFile(log, 'utf8')).not.toContain('got TERM');
  });

  it('waitReady resolves on a true probe and fails at once, with the hint, when the process dies', async () => {
    const alive = await script('sleep 300');
    const up = new Component('fake-up', alive.bin, [], alive.log, reaper);
    up.start();
    let calls = 0;
    await up.waitReady('to answer', 5_000, async () => ++calls >= 2);
    expect(calls).toBe(2);
    await up.stop();

    const dead = await script('echo "FATAL: bad config"; exit 1');
    const down = new Component('fake-down', dead.bin, [], dead.log, reaper, { deathHint: 'fix the config.' });
    down.start();
    const started = Date.now();
    await expect(down.waitReady('to answer', 30_000, async () => false)).rejects.toThrow(
      /fake-down exited with code 1\..*FATAL: bad config.*Fix: fix the config\./s,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('recognises PostgreSQL\'s "Address already in use" as a port conflict', async () => {
    const { bin, log } = await script(
      'echo \'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\'; exit 1',
    );
    const c = new Component('fake-pg', bin, [], log, reaper);
    c.start();
    await pollUntil('exit', 5_000, () => c.died);
    expect(() => c.assertAlive()).toThrow(PortInUseError);
  });
});
