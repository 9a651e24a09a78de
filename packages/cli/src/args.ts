import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

// node:util's messages name the option but suggest quoting it as a positional, which is never what a nimbus
// user meant; these say which flag is wrong and where the list of flags is.
function rephrase(command: string, error: Error & { code?: string }): UsageError {
  const help = `run 'nimbus ${command} --help' for its flags`;
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${quoted}; ${help}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '-f, --filename <value>' argument missing" or "... does not take an argument".
      const long = /--([a-z-]+)/.exec(quoted)?.[1];
      const flag = long ? `--${long}` : quoted;
      return /missing/.test(error.message)
        ? new UsageError(`flag ${flag} needs a value; ${help}`)
        : new UsageError(`flag ${flag} takes no value; write ${flag} alone; ${help}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${quoted}; ${help}`);
    default:
      return new UsageError(`${error.message}; ${help}`);
  }
}

/**
 * `node:util` `parseArgs` in strict mode, with errors that name the flag and the fix (as {@link UsageError}).
 *
 * @param command - the subcommand, for the pointer to its `--help`.
 */
export function parseCommandArgs<const T extends Options>(
  command: string,
  argv: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error) {
      throw rephrase(command, error as TypeError & { code?: string });
    }
    throw error;
  }
}

/** Checks an `-o` value against the formats a command supports. */
export function outputFormat<const F extends string>(
  command: string,
  value: string | undefined,
  formats: readonly [F, ...F[]],
): F {
  const chosen = value ?? formats[0];
  if ((formats as readonly string[]).includes(chosen)) return chosen as F;
  const list = formats.map((f) => `-o ${f}`).join(', ');
  throw new UsageError(`-o ${chosen} is not a format of nimbus ${command}; use one of ${list}`);
}

/** Splits comma-separated flag values (`--namespaces a,b --namespaces c`), dropping empty items. */
export function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}
