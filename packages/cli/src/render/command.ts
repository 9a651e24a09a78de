import { ADAPTER_FLAGS, adapterFlagsHelp, selectAdapters } from '../adapter-options.js';
import { commaList, outputFormat, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { classifyManifests } from '../input/manifests.js';
import { readSources } from '../input/sources.js';
import { styleFor } from '../style.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import { parseAndCheckSchemas } from '../validate/structural.js';
import { renderingAsJson, renderingAsTable, renderingAsYaml } from './format.js';
import { renderManifests } from './render.js';

const HELP = `usage: nimbus render -f FILE|DIR|- [-f ...] [flags]

Prints, without a cluster, the NimbusPolicies the core operator would write for the SecurityIntents and
bindings in the input, and every engine policy each adapter would create from them, built with the same
code the operator and the adapters run. For GitOps review and CI.

Offline limits: a ClusterSecurityIntentBinding fans out into the namespaces given with --namespaces (or the
Namespace objects in the input); a binding with spec.cel is resolved only against Pods in the input. UIDs
are made up (00000000-0000-0000-0000-...) so owner references are well-formed.

flags:
  -f, --filename PATH       a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable;
                            plain arguments are read as files too)
  -R, --recursive           read directories recursively
  -o, --output FORMAT       yaml (default; one document per object, with a comment saying where it
                            comes from), json, or table
  -n, --namespace NAME      namespace of namespaced objects that name none (default "default")
      --namespaces A,B      the cluster's namespaces, for the fan-out of cluster bindings
%ADAPTER_FLAGS%
  -h, --help                show this help

exit codes: 0 rendered, 1 invalid input (run nimbus validate for details) or a binding the operator
would reject, 2 usage error`;

/** `nimbus render`. */
export const renderCommand: Command = {
  name: 'render',
  summary: 'print offline the NimbusPolicies and engine policies the input would produce',
  help: (context) => HELP.replace('%ADAPTER_FLAGS%', adapterFlagsHelp(context.adapters.names(), 28)),
  async run(argv, context) {
    const { io } = context;
    const { values, positionals } = parseCommandArgs(
      'render',
      argv,
      {
        filename: { type: 'string', short: 'f', multiple: true },
        recursive: { type: 'boolean', short: 'R' },
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string', short: 'n' },
        namespaces: { type: 'string', multiple: true },
        ...ADAPTER_FLAGS,
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      io.stdout.write(`${renderCommand.help(context)}\n`);
      return ExitCode.Ok;
    }
    const format = outputFormat('render', values.output, ['yaml', 'json', 'table']);
    const paths = [...commaList(values.filename), ...positionals];
    if (paths.length === 0) throw new UsageError('no input; pass -f FILE, -f DIR or -f - (stdin)');
    if (values.namespace !== undefined && values.namespace.length === 0) {
      throw new UsageError('-n needs a namespace name, e.g. -n default');
    }

    const adapters = await selectAdapters(values, {
      builtins: context.adapters.adapters,
      cwd: context.cwd,
    });
    const sources = await readSources(paths, {
      recursive: values.recursive === true,
      readStdin: io.readStdin,
    });
    const parsed = parseAndCheckSchemas(sources, context.schemas());
    const err = styleFor(io.stderr, io.env);
    if (parsed.diagnostics.length > 0) {
      // Building from objects of the wrong shape would render something the API server never accepts.
      for (const d of parsed.diagnostics) io.stderr.write(`${formatDiagnostic(d, err)}\n`);
      io.stderr.write(
        `nimbus render: ${err.red('not rendered')}: the input has errors; fix them (nimbus validate checks more)\n`,
      );
      return ExitCode.Failure;
    }
    const manifests = classifyManifests(parsed.valid, values.namespace ?? 'default');
    const namespaces = values.namespaces === undefined ? undefined : commaList(values.namespaces);
    const rendering = renderManifests(
      manifests,
      { adapters, intentPool: context.intentPool },
      namespaces === undefined ? {} : { namespaces },
    );

    const text =
      format === 'json'
        ? renderingAsJson(rendering)
        : format === 'table'
          ? renderingAsTable(rendering)
          : renderingAsYaml(rendering);
    io.stdout.write(text);
    if (format !== 'json') {
      const label = { error: err.red('error'), warning: err.yellow('warning'), note: err.cyan('note') };
      for (const note of rendering.notes) {
        io.stderr.write(`nimbus render: ${label[note.severity]}: ${note.subject}: ${note.message}\n`);
      }
      if (rendering.policies.length === 0) {
        io.stderr.write(
          `nimbus render: ${label.note}: nothing to render: the input has no bindings that yield a policy\n`,
        );
      }
    }
    return rendering.notes.some((n) => n.severity === 'error') ? ExitCode.Failure : ExitCode.Ok;
  },
};
