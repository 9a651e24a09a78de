import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { AdapterRegistry } from './adapters.js';
import type { CliIo } from './io.js';
import type { NimbusSchemas } from './schema/crd-schemas.js';

/** What every command gets besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /**
   * The built-in adapters. Commands take the adapters they use from their `--adapter` and `--config` flags with
   * `selectAdapters`, which starts from these.
   */
  readonly adapters: AdapterRegistry;
  /** The directory `--adapter` paths and packages, and the default config file, are found from. */
  readonly cwd: string;
  /** The intent ID pool. */
  readonly intentPool: IntentRegistry;
  /** The Nimbus CRD schemas, read on first use (only commands that read manifests need them). */
  readonly schemas: () => NimbusSchemas;
}

/** One `nimbus` subcommand. */
export interface Command {
  readonly name: string;
  /** One line for the command list of `nimbus --help`. */
  readonly summary: string;
  /** The full text of `nimbus <name> --help` (some commands list the adapters they know). */
  help(context: CommandContext): string;
  /** Runs the command; resolves to its exit code. Throws UsageError or CliError for the caller to report. */
  run(argv: readonly string[], context: CommandContext): Promise<number>;
}
