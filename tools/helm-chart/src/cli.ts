#!/usr/bin/env node
import { CHART_CRD_DIR, chartCrdDrift, syncChartCrds } from './chart.js';
import { ensureHelm } from './helm-binaries.js';

const USAGE = `usage: nimbus-helm-env <command>

  build              build (once per machine) Helm v4 from Go modules and print the directory holding helm
  sync-crds          copy the CRDs from packages/*/crds into the chart (deploy/helm/nimbus-ts/files/crds)
  sync-crds --check  exit 1, naming each file, when the chart's CRD copies differ from their sources

Environment: NIMBUS_HELM_BIN_DIR (a pre-built helm), NIMBUS_CACHE_DIR (cache root).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'build' && rest.length === 0) {
    const helm = await ensureHelm({ progress: say });
    process.stdout.write(`${helm.replace(/\/helm$/, '')}\n`);
    return 0;
  }
  if (command === 'sync-crds' && rest.length === 0) {
    const fixed = await syncChartCrds();
    say(
      fixed.length === 0
        ? `${CHART_CRD_DIR} is up to date`
        : `updated ${CHART_CRD_DIR}:\n  ${fixed.join('\n  ')}`,
    );
    return 0;
  }
  if (command === 'sync-crds' && rest.length === 1 && rest[0] === '--check') {
    const drift = await chartCrdDrift();
    if (drift.length === 0) return 0;
    say(`the chart's CRDs are out of step with their sources:\n  ${drift.join('\n  ')}`);
    say('fix: pnpm --filter @nimbus-ts/helm-chart sync-crds, then commit deploy/helm/nimbus-ts/files/crds');
    return 1;
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
