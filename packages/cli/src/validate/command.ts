import { ADAPTER_FLAGS, adapterFlagsHelp, selectAdapters } from '../adapter-options.js';
import { commaList, outputFormat, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { readSources } from '../input/sources.js';
import { styleFor } from '../style.js';
import { formatDiagnostic } from './diagnostic.js';
import { validateSources } from './validate.js';

const HELP = `usage: nimbus validate -f FILE|DIR|- [-f ...] [flags]

Checks SecurityIntents, bindings and policies without a cluster, and prints each finding as
FILE:LINE:COL: Kind/name: message.

Checks: YAML syntax; each object against its CRD schema (types, required and unknown fields, enums);
objects defined twice; intent IDs against the ID pool (close matches are named; aliases are noted);
intent parameters; bindings naming intents that are not in the input; CEL syntax; cluster-binding
namespace selectors as the operator validates them. An intent ID outside the ID pool is accepted when an
adapter (built in, from --adapter or from the config file) enforces it.

flags:
  -f, --filename PATH    a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable;
                         plain arguments are read as files too)
  -R, --recursive        read directories recursively
  -o, --output FORMAT    text (default) or json
      --strict           fail on warnings too
%ADAPTER_FLAGS%
  -h, --help             show this help

exit codes: 0 no errors (warnings and notes allowed unless --strict), 1 errors, 2 usage error`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `nimbus validate`. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'check manifests offline: schema, intent IDs, parameters, references (with file:line:col)',
  help: (context) => HELP.replace('%ADAPTER_FLAGS%', adapterFlagsHelp(context.adapters.names(), 25)),
  async run(argv, context) {
    const { io, intentPool, schemas } = context;
    const { values, positionals } = parseCommandArgs(
      'validate',
      argv,
      {
        filename: { type: 'string', short: 'f', multiple: true },
        recursive: { type: 'boolean', short: 'R' },
        output: { type: 'string', short: 'o' },
        strict: { type: 'boolean' },
        ...ADAPTER_FLAGS,
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      io.stdout.write(`${validateCommand.help(context)}\n`);
      return ExitCode.Ok;
    }
    const format = outputFormat('validate', values.output, ['text', 'json']);
    const paths = [...commaList(values.filename), ...positionals];
    if (paths.length === 0) {
      throw new UsageError('no input; pass -f FILE, -f DIR or -f - (stdin)');
    }
    const adapters = await selectAdapters(values, { builtins: context.adapters.adapters, cwd: context.cwd });
    const sources = await readSources(paths, {
      recursive: values.recursive === true,
      readStdin: io.readStdin,
    });
    const report = validateSources(sources, { schemas: schemas(), intentPool, adapters });
    const count = (severity: string) => report.diagnostics.filter((d) => d.severity === severity).length;
    const errors = count('error');
    const warnings = count('warning');
    const notes = count('note');
    const failed = errors > 0 || (values.strict === true && warnings > 0);

    if (format === 'json') {
      io.stdout.write(
        `${JSON.stringify(
          {
            valid: !failed,
            diagnostics: report.diagnostics,
            summary: { errors, warnings, notes, files: report.files, objects: report.objects },
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const out = styleFor(io.stdout, io.env);
      for (const d of report.diagnostics) io.stdout.write(`${formatDiagnostic(d, out)}\n`);
      const err = styleFor(io.stderr, io.env);
      if (report.nimbusObjects === 0) {
        io.stderr.write(
          `nimbus validate: ${err.cyan('note')}: no intent.security.nimbus.com objects in the input\n`,
        );
      }
      const findings = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(notes, 'note')}`;
      const scope = `${plural(report.objects, 'object')} in ${plural(report.files, 'file')}`;
      const verdict = failed ? err.red('invalid') : err.green('valid');
      io.stderr.write(`nimbus validate: ${verdict}: ${findings} (${scope})\n`);
    }
    return failed ? ExitCode.Failure : ExitCode.Ok;
  },
};
