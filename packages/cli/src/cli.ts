import { readFileSync } from 'node:fs';
import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { defaultRegistry, type IntentRegistry } from '@nimbus-ts/idpool';
import { AdapterRegistry, BUILTIN_ADAPTERS } from './adapters.js';
import { closeMatches, quotedAlternatives } from './close-matches.js';
import type { Command, CommandContext } from './command.js';
import { CliError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { renderCommand } from './render/command.js';
import { NimbusSchemas } from './schema/crd-schemas.js';
import { statusCommand } from './status/command.js';
import { styleFor } from './style.js';
import { validateCommand } from './validate/command.js';

/** Every subcommand, in the order `nimbus --help` lists them. */
const COMMANDS: readonly Command[] = [renderCommand, validateCommand, statusCommand];

/** Options of {@link main}, for embedding the CLI or testing it with other adapters or intents. */
export interface MainOptions {
  /**
   * The built-in adapters: those `render` builds with and `status` knows the kinds of without `--adapter` or a
   * config file; default {@link BUILTIN_ADAPTERS}.
   */
  readonly adapters?: readonly AdapterDeclaration[];
  /** The intent ID pool; default `defaultRegistry` of `@nimbus-ts/idpool`. */
  readonly intentPool?: IntentRegistry;
  /** Directory of the Nimbus CRDs to validate against; default the ones `@nimbus-ts/k8s` ships. */
  readonly crdDirectory?: string;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`);
  return `usage: nimbus COMMAND [flags]

Intent-driven security for Kubernetes: check and preview SecurityIntents offline, and see what became of
them in a cluster.

commands:
${lines.join('\n')}

flags:
  -h, --help   show this help
  --version    print the version

Run 'nimbus COMMAND --help' for a command's flags. Colour and Unicode marks are used only on a terminal
(never with NO_COLOR set).`;
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command;
  const close = closeMatches(
    name,
    COMMANDS.map((c) => c.name),
  );
  const hint = close.length > 0 ? `did you mean ${quotedAlternatives(close)}? ` : '';
  throw new UsageError(
    `unknown command "${name}"; ${hint}commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
  );
}

/**
 * Runs the `nimbus` command line: `argv` without the node and script paths, e.g. `['render', '-f', 'x.yaml']`.
 * Everything is read from and written to `io`, so tests call it directly with captured streams.
 *
 * @returns the exit code: 0 success, 1 invalid input or failure, 2 usage error, 3 (`status`) degraded.
 */
export async function main(argv: readonly string[], io: CliIo, options: MainOptions = {}): Promise<number> {
  const [first, ...rest] = argv;
  const err = styleFor(io.stderr, io.env);
  let command: Command | undefined;
  try {
    if (first === undefined) {
      io.stderr.write(`${usage()}\n`);
      return ExitCode.Usage;
    }
    if (first === '-h' || first === '--help') {
      io.stdout.write(`${usage()}\n`);
      return ExitCode.Ok;
    }
    if (first === '--version' || first === 'version') {
      io.stdout.write(`nimbus ${version()}\n`);
      return ExitCode.Ok;
    }
    let schemas: NimbusSchemas | undefined;
    const context: CommandContext = {
      io,
      adapters: new AdapterRegistry(options.adapters ?? BUILTIN_ADAPTERS),
      cwd: io.cwd ?? process.cwd(),
      intentPool: options.intentPool ?? defaultRegistry,
      schemas: () => {
        schemas ??= NimbusSchemas.load(options.crdDirectory);
        return schemas;
      },
    };
    if (first === 'help') {
      io.stdout.write(`${rest[0] === undefined ? usage() : findCommand(rest[0]).help(context)}\n`);
      return ExitCode.Ok;
    }
    command = findCommand(first);
    return await command.run(rest, context);
  } catch (error) {
    const who = command ? `nimbus ${command.name}` : 'nimbus';
    if (error instanceof UsageError) {
      const help = command ? ` (nimbus ${command.name} --help)` : ' (nimbus --help)';
      io.stderr.write(
        `${who}: ${err.red('usage')}: ${error.message}${error.message.includes('--help') ? '' : help}\n`,
      );
      return ExitCode.Usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${who}: ${err.red('error')}: ${error.message}\n`);
      return ExitCode.Failure;
    }
    // Anything else is a bug; the stack is what a bug report needs.
    io.stderr.write(`${who}: ${err.red('internal error')}: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.Failure;
  }
}
