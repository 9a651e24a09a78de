#!/usr/bin/env node
import { resolve } from 'node:path';
import { ensureActionlint } from './actionlint.js';
import { syncVersions } from './sync-versions.js';

const USAGE = `usage: nimbus-release <command>

  build           build (once per machine) the release tools from Go modules, print where actionlint is
  actionlint      print the path of actionlint, building it first when needed
  sync-versions   write the packages' shared version into deploy/ (image tags, the Helm chart's version and
                  appVersion); run by 'pnpm version-packages' after 'changeset version'

Run from the repository root. Environment: NIMBUS_ACTIONLINT_BIN_DIR (a pre-built actionlint), NIMBUS_CACHE_DIR.`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'build':
    case 'actionlint':
      process.stdout.write(`${await ensureActionlint()}\n`);
      return 0;
    case 'sync-versions': {
      const changed = await syncVersions(resolve('.'));
      for (const file of changed) process.stderr.write(`release: updated ${file}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
