import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CliError } from '../errors.js';

/** The text of one input file, with the name errors use for it. */
export interface SourceText {
  /** The path as the user wrote it (joined with the entry name inside a directory), or `<stdin>`. */
  readonly path: string;
  readonly text: string;
}

/** How `-f` arguments are read. */
export interface ReadSourcesOptions {
  /** Descend into subdirectories of a directory argument (`-R`), as `kubectl -R` does. */
  readonly recursive: boolean;
  /** Reads standard input, for the argument `-`. */
  readonly readStdin: () => Promise<string>;
}

/** The name standard input goes by in messages. */
export const STDIN_NAME = '<stdin>';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

// Entries are sorted so that a directory renders and validates the same way on every machine.
async function filesIn(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await filesIn(path, recursive)));
    } else if (MANIFEST_EXTENSIONS.has(extname(entry.name))) {
      files.push(path);
    }
  }
  return files;
}

/**
 * Reads the `-f` arguments: files as given, directories as their `.yaml`/`.yml`/`.json` files in name order,
 * `-` as standard input (once). A file named explicitly is read whatever its extension, as kubectl does.
 *
 * @throws CliError naming the path when it cannot be read.
 */
export async function readSources(
  paths: readonly string[],
  options: ReadSourcesOptions,
): Promise<SourceText[]> {
  const sources: SourceText[] = [];
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) throw new CliError('-f -: standard input can be read only once; pass - a single time');
      stdinRead = true;
      sources.push({ path: STDIN_NAME, text: await options.readStdin() });
      continue;
    }
    try {
      const info = await stat(path);
      const files = info.isDirectory() ? await filesIn(path, options.recursive) : [path];
      for (const file of files) sources.push({ path: file, text: await readFile(file, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
      throw new CliError(`-f ${path}: ${why}`);
    }
  }
  return sources;
}
