/**
 * A mistake on the command line. Its message names the flag and says how to fix it; the CLI prints it with a
 * pointer to `--help` and exits with {@link ExitCode.Usage}.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure that is not a bug: a file that cannot be read, an API server that cannot be reached. The CLI prints
 * the message alone (no stack) and exits with {@link ExitCode.Failure}.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}
