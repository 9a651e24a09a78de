#!/usr/bin/env node
import { main as nimbus, processIo } from '@nimbus-ts/cli';
import { runDemo } from './demo.js';
import { binOf } from './processes.js';

// `./scripts/demo`: runs the demo, prints the converged tree and how to look around, and stays up until Ctrl-C.
// `--exit-when-ready` stops once it has printed the tree (tests and CI); `--no-scanning` leaves Clair out.
const say = (line: string) => process.stderr.write(`${line}\n`);

async function demo(argv: readonly string[]): Promise<number> {
  const demo = await runDemo({
    progress: (line) => say(`demo: ${line}`),
    scanning: !argv.includes('--no-scanning'),
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('\nstopping everything the demo started…');
    await demo.stop();
    say('stopped; nothing is left running.');
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  say('\ndemo: converged. `nimbus status -A`:\n');
  await nimbus(['status', '-A', '--kubeconfig', demo.controlPlane.kubeconfigPath], processIo());
  say('\ndemo: what image admission answered when the demo tried what the image-security intents refuse:');
  for (const { attempt, answer } of demo.admission) {
    say(`\n  $ ${attempt}`);
    for (const line of answer.split('\n')) say(`    ${line}`);
  }
  const kubectl = demo.controlPlane.binaries.kubectl;
  say(
    [
      '',
      'Look around, in another terminal:',
      `  export KUBECONFIG=${demo.controlPlane.kubeconfigPath}`,
      `  alias kubectl=${kubectl}`,
      '  kubectl get securityintents,securityintentbindings -A',
      '  kubectl get nimbuspolicies -n demo -o yaml          # engine-neutral rules, status from every adapter',
      '  kubectl get kubearmorpolicies,networkpolicies -n demo',
      ...('unavailable' in demo.kyverno
        ? [`  (the Kyverno adapter is left out: ${demo.kyverno.unavailable})`]
        : ['  kubectl get policies.kyverno.io -A; kubectl get clusterpolicies.kyverno.io']),
      ...('stack' in demo.scanning
        ? ['  kubectl get imagescanpolicies,vulnerabilityreports,imageadmissionpolicies -n demo']
        : [`  (scanning is off: ${demo.scanning.unavailable})`]),
      '  kubectl run try-latest -n demo --image=nginx:latest -l app.kubernetes.io/part-of=shop   # refused',
      `  node ${binOf('@nimbus-ts/cli', 'nimbus')} status -A   # the nimbus CLI`,
      '',
      `Component logs: ${demo.controlPlane.dir}/logs/`,
      'Press Ctrl-C to stop everything.',
    ].join('\n'),
  );
  if (argv.includes('--exit-when-ready')) {
    await demo.stop();
    say('stopped; nothing is left running.');
    return 0;
  }
  await new Promise(() => {});
  return 0;
}

demo(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
