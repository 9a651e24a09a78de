import { fileURLToPath } from 'node:url';
import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { type CliIo, type MainOptions, main } from '../src/index.js';

/** A fixture file's path, relative to the package (as a user would type it from there). */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * The netpol example adapter's built declaration entry point: not a built-in of the CLI (the example is not
 * published), so tests load it as a user loads a third-party adapter, with `--adapter <path>`.
 */
export const NETPOL_ADAPTER = fileURLToPath(
  new URL('../../../examples/adapter-netpol/dist/declaration.js', import.meta.url),
);

/** The netpol example's declaration, for tests that build a registry with it. */
export async function netpolDeclaration(): Promise<AdapterDeclaration> {
  return ((await import(NETPOL_ADAPTER)) as { default: AdapterDeclaration }).default;
}

/** What a run of the CLI printed and returned. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How the captured streams look to the CLI. */
export interface RunOptions extends MainOptions {
  /** Whether stdout and stderr claim to be terminals. */
  readonly tty?: boolean;
  readonly env?: Record<string, string | undefined>;
  /** What `-f -` reads. */
  readonly stdin?: string;
  /** Where `--adapter` modules and the config file are found from; default the process's. */
  readonly cwd?: string;
}

/** Runs `nimbus <argv>` in-process with captured streams. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    readStdin: async () => options.stdin ?? '',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  };
  const code = await main(argv, io, options);
  return { code, stdout, stderr };
}
