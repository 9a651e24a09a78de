import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, run } from '../helpers.js';

// The command line itself: usage errors name the flag and the fix and exit 2, every command has --help, and
// colour and Unicode appear only on a terminal without NO_COLOR.

const ESC = '\u001b[';

describe('nimbus usage', () => {
  it('lists the commands with --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: nimbus COMMAND \[flags\]/);
    for (const name of ['render', 'validate', 'status'])
      expect(stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
  });

  it('prints usage to stderr and exits 2 without a command', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^usage: nimbus COMMAND/);
  });

  it.each(['render', 'validate', 'status'])('has --help for %s', async (name) => {
    const { code, stdout } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: nimbus ${name}`));
    expect(stdout).toContain('exit codes:');
    expect((await run(['help', name])).stdout).toBe(stdout);
  });

  it.each(['render', 'validate', 'status'])(
    'lists the built-in adapters and --adapter in the help of %s',
    async (name) => {
      const { stdout } = await run([name, '-h']);
      expect(stdout.replace(/\s+/g, ' ')).toContain(
        '(default all: kubearmor, clair, admission, kyverno, k8tls and those of the config file)',
      );
      expect(stdout).toMatch(/^ {6}--adapter ADAPTER +an adapter's name: use only the named adapters/m);
      expect(stdout).toMatch(/^ {6}--config PATH +a JSON file \{"adapters": \[modules\.\.\.\]\}/m);
    },
  );

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await run(['--version'])).stdout).toBe(`nimbus ${pkg.version}\n`);
  });

  it.each([
    [
      ['rendr'],
      'nimbus: usage: unknown command "rendr"; did you mean "render"? commands: render, validate, status (nimbus --help)',
    ],
    [
      ['render', '--fillename', 'x'],
      "nimbus render: usage: unknown flag --fillename; run 'nimbus render --help' for its flags",
    ],
    [
      ['render', '-f'],
      "nimbus render: usage: flag --filename needs a value; run 'nimbus render --help' for its flags",
    ],
    [
      ['validate', '--strict=yes', 'x'],
      "nimbus validate: usage: flag --strict takes no value; write --strict alone; run 'nimbus validate --help' for its flags",
    ],
    [
      ['render', '-f', 'x', '-o', 'xml'],
      'nimbus render: usage: -o xml is not a format of nimbus render; use one of -o yaml, -o json, -o rendering, -o table (nimbus render --help)',
    ],
    [
      ['render', '-f', 'x', '-o', 'table', '--owner-references'],
      'nimbus render: usage: --owner-references applies to -o yaml and -o json (-o rendering always has them, -o table shows none); drop it or pick one of those (nimbus render --help)',
    ],
    [
      ['validate'],
      'nimbus validate: usage: no input; pass -f FILE, -f DIR or -f - (stdin) (nimbus validate --help)',
    ],
    [
      ['status', 'extra'],
      "nimbus status: usage: unexpected argument extra; run 'nimbus status --help' for its flags",
    ],
    [
      ['status', '-n', 'a', '-A'],
      'nimbus status: usage: -n and -A contradict each other; pass -n NAME for one namespace or -A for all (nimbus status --help)',
    ],
  ])('rejects %j with exit 2 and a message naming the flag', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
  });

  it('reads standard input only once', async () => {
    const { code, stderr } = await run(['validate', '-f', '-', '-f', '-']);
    expect(code).toBe(1);
    expect(stderr).toContain('standard input can be read only once');
  });
});

describe('colour', () => {
  const invalid = fixture('invalid/intents.yaml');

  it('is used on a terminal', async () => {
    const { stdout, stderr } = await run(['validate', '-f', invalid], { tty: true });
    expect(stdout).toContain(ESC);
    expect(stderr).toContain(ESC);
  });

  it('is never used when the output is not a terminal', async () => {
    const { stdout, stderr } = await run(['validate', '-f', invalid], { tty: false });
    expect(stdout).not.toContain(ESC);
    expect(stderr).not.toContain(ESC);
  });

  it('is turned off on a terminal by NO_COLOR and by TERM=dumb', async () => {
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
      const { stdout, stderr } = await run(['validate', '-f', invalid], { tty: true, env });
      expect(stdout).not.toContain(ESC);
      expect(stderr).not.toContain(ESC);
    }
  });

  it('never reaches YAML or JSON output', async () => {
    const escapeToHost = fixture('upstream/escape-to-host-si-sib.yaml');
    for (const format of ['yaml', 'json', 'rendering', 'table']) {
      expect((await run(['render', '-f', escapeToHost, '-o', format], { tty: true })).stdout).not.toContain(
        ESC,
      );
    }
    expect((await run(['validate', '-f', invalid, '-o', 'json'], { tty: true })).stdout).not.toContain(ESC);
  });
});
