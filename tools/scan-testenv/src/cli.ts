#!/usr/bin/env node
import { findPostgresBinaries } from './postgres-binaries.js';

const USAGE = `usage: nimbus-scan-env <command>

  build   build (once per machine) clair, clairctl and crane, check that PostgreSQL is installed, and print
          the directory of the binaries

Environment: NIMBUS_CLAIR_BIN_DIR (pre-built binaries), NIMBUS_PG_BIN_DIR (PostgreSQL's bin directory),
NIMBUS_CACHE_DIR (cache root).`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === 'build') {
    const pg = findPostgresBinaries();
    process.stderr.write(`scan-env: PostgreSQL server found: ${pg.postgres}\n`);
    // Loaded here, not at the top: it builds on @nimbus-ts/k8s/testing, which needs the optional peer
    // @kubernetes/client-node, and `--help` must work without it.
    const { ensureScanBinaries } = await import('./binaries.js');
    const bins = await ensureScanBinaries();
    process.stdout.write(`${bins.clair.replace(/\/clair$/, '')}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (isMissingPackage(err, '@kubernetes/client-node')) {
      process.stderr.write(
        '  fix: install the optional peer of @nimbus-ts/scan-testenv: npm install -D @kubernetes/client-node\n',
      );
    }
    process.exit(1);
  },
);

/** Whether `err` is Node's failure to find `name` while loading a module. */
function isMissingPackage(err: unknown, name: string): boolean {
  return (
    err instanceof Error &&
    (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
    err.message.includes(`'${name}'`)
  );
}
