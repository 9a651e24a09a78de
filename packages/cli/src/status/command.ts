import { ObjectClient } from '@nimbus-ts/k8s';
import { ADAPTER_FLAGS, adapterFlagsHelp, selectAdapters } from '../adapter-options.js';
import { outputFormat, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { styleFor } from '../style.js';
import { toYaml } from '../yaml-text.js';
import { collectStatus } from './collect.js';
import { connect } from './connect.js';
import { statusTree } from './tree.js';

const HELP = `usage: nimbus status [flags]

Shows, per SecurityIntentBinding and ClusterSecurityIntentBinding, the intents it names, the
NimbusPolicies the core operator wrote for it, and per policy the adapters with the engine policies they
listed in its status, each looked up in the cluster. Conditions are shown as written: the binding's Ready,
the policy's Enforced (a running adapter enforces every rule) and each adapter's nimbus-<adapter>/Ready.
Engine objects of kinds no known adapter writes are looked up through the kinds running adapters announce
on their Leases (when the Leases can be read), so a third-party adapter needs no --adapter here.

flags:
  -n, --namespace NAME   look at one namespace (default: the kubeconfig context's, else "default")
  -A, --all-namespaces   look at every namespace
  -o, --output FORMAT    tree (default), json or yaml
      --kubeconfig PATH  kubeconfig file (default: the files of $KUBECONFIG merged, else ~/.kube/config, else in-cluster)
      --context NAME     kubeconfig context to use instead of the current one
%ADAPTER_FLAGS%
  -h, --help             show this help

exit codes: 0 everything Ready and Enforced (or no bindings), 3 something degraded or not converged,
1 the cluster could not be read, 2 usage error`;

// The operations that fail when the Nimbus CRDs are not installed answer 404; say what that means.
function explain(error: unknown): CliError {
  const message = (error as Error).message;
  if ((error as { code?: unknown }).code === 404) {
    return new CliError(
      `${message}. The Nimbus CRDs are not installed in this cluster; install them with kubectl apply -k packages/api/crds/`,
    );
  }
  return new CliError(`cannot read the cluster: ${message}`);
}

/** `nimbus status`. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'show bindings in a cluster: intents -> NimbusPolicy -> adapters -> engine policies',
  help: (context) => HELP.replace('%ADAPTER_FLAGS%', adapterFlagsHelp(context.adapters.names(), 25)),
  async run(argv, context) {
    const { io } = context;
    const { values } = parseCommandArgs('status', argv, {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      ...ADAPTER_FLAGS,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(`${statusCommand.help(context)}\n`);
      return ExitCode.Ok;
    }
    const format = outputFormat('status', values.output, ['tree', 'json', 'yaml']);
    if (values.namespace !== undefined && values['all-namespaces']) {
      throw new UsageError('-n and -A contradict each other; pass -n NAME for one namespace or -A for all');
    }
    if (values.namespace === '') throw new UsageError('-n needs a namespace name, e.g. -n default');
    const adapters = await selectAdapters(values, { builtins: context.adapters.adapters, cwd: context.cwd });
    const { connection, namespace: contextNamespace } = connect({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
      env: io.env,
    });
    const namespace = values['all-namespaces']
      ? undefined
      : (values.namespace ?? contextNamespace ?? 'default');
    const client = new ObjectClient(connection, 'nimbus-cli');
    const report = await collectStatus(client, adapters, namespace === undefined ? {} : { namespace }).catch(
      (error: unknown) => {
        throw explain(error);
      },
    );
    if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'yaml') io.stdout.write(toYaml(report));
    else io.stdout.write(statusTree(report, styleFor(io.stdout, io.env)));
    return report.healthy ? ExitCode.Ok : ExitCode.Degraded;
  },
};
