#!/usr/bin/env node
import { ensureKyverno, kyvernoCrdDirectories } from './kyverno-binary.js';

const USAGE = `usage: nimbus-kyverno-env <command>

  build   build (once per machine) Kyverno's admission controller from Go modules and print the directory holding it
  crds    print Kyverno's CRD directories, one a line

Environment: NIMBUS_KYVERNO_BIN_DIR (a pre-built kyverno), NIMBUS_KYVERNO_CRD_DIR, NIMBUS_CACHE_DIR (cache root).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'build' && rest.length === 0) {
    const kyverno = await ensureKyverno({ progress: say });
    process.stdout.write(`${kyverno.replace(/\/kyverno$/, '')}\n`);
    return 0;
  }
  if (command === 'crds' && rest.length === 0) {
    process.stdout.write(`${(await kyvernoCrdDirectories()).join('\n')}\n`);
    return 0;
  }
  say(USAGE);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
