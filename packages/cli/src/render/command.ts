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
import { renderingAsEnvelope, renderingAsList, renderingAsTable, renderingAsYaml } from './format.js';
import { renderManifests } from './render.js';

const HELP = `usage: nimbus render -f FILE|DIR|- [-f ...] [flags]

Prints, without a cluster, the NimbusPolicies the core operator would write for the SecurityIntents and
bindings in the input, and every engine policy each adapter would create from them, built with the same
code the operator and the adapters run. For GitOps review and CI.

The yaml and json outputs are for kubectl apply -f -: the objects leave out status and the fields the API
server sets (uid, resourceVersion, ...), and owner references to objects that do not exist yet. The
operator and the adapters reference their owners (a NimbusPolicy its binding, an engine policy its
NimbusPolicy), but offline those have only made-up UIDs (00000000-0000-0000-0000-...), and the garbage
collector deletes objects whose owners' UIDs name nothing. Owner references with a real UID from the
input (bindings exported with kubectl get -o yaml) are kept. --owner-references keeps them all.

Offline limits: a ClusterSecurityIntentBinding fans out into the namespaces given with --namespaces (or the
Namespace objects in the input); a binding with spec.cel is resolved only against Pods in the input.

flags:
  -f, --filename PATH       a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable;
                            plain arguments are read as files too)
  -R, --recursive           read directories recursively
  -o, --output FORMAT       yaml (default): a YAML stream, each object headed by a comment saying where
                              it comes from;
                            json: a v1 List of the same objects;
                            rendering: JSON for scripts, {policies: [{from, policy, objects: [{adapter,
                              object}]}], notes}, objects as rendered (made-up UIDs included);
                            table: source, policy, adapter, object
      --owner-references    yaml and json: keep every owner reference and metadata.uid, made-up UIDs
                            included, to diff against what the operator and adapters write; applied, such
                            objects are deleted by the garbage collector
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
        'owner-references': { type: 'boolean' },
        ...ADAPTER_FLAGS,
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      io.stdout.write(`${renderCommand.help(context)}\n`);
      return ExitCode.Ok;
    }
    const format = outputFormat('render', values.output, ['yaml', 'json', 'rendering', 'table']);
    const ownerReferences = values['owner-references'] === true;
    if (ownerReferences && format !== 'yaml' && format !== 'json') {
      throw new UsageError(
        '--owner-references applies to -o yaml and -o json (-o rendering always has them, -o table shows none); drop it or pick one of those',
      );
    }
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

    const text = {
      yaml: () => renderingAsYaml(rendering, { ownerReferences }),
      json: () => renderingAsList(rendering, { ownerReferences }),
      rendering: () => renderingAsEnvelope(rendering),
      table: () => renderingAsTable(rendering),
    }[format]();
    io.stdout.write(text);
    // -o rendering carries the notes; every other format leaves stdout to the objects, for kubectl.
    if (format !== 'rendering') {
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
