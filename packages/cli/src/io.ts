/** Where a command writes: a stream and whether a person is looking at it. */
export interface OutputStream {
  /** Writes `text` as is; callers end their lines with `\n` themselves. */
  write(text: string): unknown;
  /** True when the stream is a terminal; colour and Unicode symbols are used only then. */
  readonly isTTY?: boolean;
}

/**
 * Everything the CLI touches outside its arguments. {@link main} takes it as a parameter, so tests drive the
 * whole CLI with captured streams and a made-up environment instead of spawning processes.
 */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Reads all of standard input, for `-f -`. */
  readStdin(): Promise<string>;
  /** Environment variables: `KUBECONFIG`, `NO_COLOR`, `TERM`, `HOME`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The directory `--adapter` modules and the config file are found from (`-f` paths are the process's
   * own); default `process.cwd()`.
   */
  readonly cwd?: string;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
