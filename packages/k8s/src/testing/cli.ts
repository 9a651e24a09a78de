#!/usr/bin/env node
import { ensureControlPlaneBinaries, KUBERNETES_VERSION } from './binaries.js';

const USAGE = `usage: nimbus-envtest <command>

  build                 build (once per machine) and print the directory of the control-plane binaries
  start [--crds PATH]…  start etcd, kube-apiserver and kube-controller-manager, install CRDs, and stay up
                        until Ctrl-C; prints how to use kubectl against it

Environment: NIMBUS_ENVTEST_BIN_DIR (pre-built binaries), NIMBUS_CACHE_DIR (cache root).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'build') {
    const bins = await ensureControlPlaneBinaries();
    process.stdout.write(`${bins.kubeApiserver.replace(/\/kube-apiserver$/, '')}\n`);
    return 0;
  }
  if (command === 'start') {
    const crds: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--crds' && rest[i + 1]) crds.push(rest[++i] as string);
      else {
        say(`unknown argument ${rest[i]}\n${USAGE}`);
        return 2;
      }
    }
    // Loaded here, not at the top: the control plane needs the optional peer @kubernetes/client-node, and
    // `--help` and `build` must work without it.
    const { startControlPlane } = await import('./control-plane.js');
    const cp = await startControlPlane({ progress: say });
    let stopping = false;
    const shutdown = async () => {
      if (stopping) return;
      stopping = true;
      say('\nstopping the control plane…');
      await cp.stop();
      say('stopped; nothing is left running.');
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    if (crds.length > 0) {
      const names = await cp.installCRDs(crds);
      say(`installed ${names.length} CRDs: ${names.join(', ')}`);
    }
    say(
      [
        '',
        `Kubernetes ${KUBERNETES_VERSION} control plane is up at ${cp.server} (RBAC on; you are system:masters).`,
        '',
        'In another terminal:',
        `  export KUBECONFIG=${cp.kubeconfigPath}`,
        `  alias kubectl=${cp.binaries.kubectl}`,
        '  kubectl get namespaces',
        '  kubectl api-resources --api-group=intent.security.nimbus.com',
        '',
        `Logs: ${cp.dir}/logs/`,
        'Press Ctrl-C to stop everything.',
      ].join('\n'),
    );
    await new Promise(() => {});
  }
  say(USAGE);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (isMissingPackage(err, '@kubernetes/client-node')) {
      say(
        '  fix: install the optional peer of @nimbus-ts/k8s/testing: npm install -D @kubernetes/client-node',
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
