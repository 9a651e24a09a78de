/**
 * The exit codes of every `nimbus` command, so scripts can tell "the input is wrong" from "I typed the command
 * wrong" from "the cluster is not there yet".
 */
export const ExitCode = {
  /** Done, and nothing is wrong. */
  Ok: 0,
  /** The input has errors, or something failed (a file, the API server). */
  Failure: 1,
  /** The command line is wrong: an unknown flag, a missing value, a bad `-o`. */
  Usage: 2,
  /** `nimbus status` only: everything was read, but something is not Ready or not Enforced. */
  Degraded: 3,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
