#!/usr/bin/env node
import { ensureHelm } from './helm-binaries.js';

const USAGE = `usage: nimbus-helm-env <command>

  build              build (once per machine) Helm v4 from Go modules and print the directory holding helm

Environment: NIMBUS_HELM_BIN_DIR (a pre-built helm), NIMBUS_CACHE_DIR (cache root).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'build' && rest.length === 0) {
    const helm = await ensureHelm({ progress: say });
    process.stdout.write(`${helm.replace(/\/helm$/, '')}\n`);
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
