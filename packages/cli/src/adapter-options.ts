import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { AdapterModuleError, isPathSpecifier, loadAdapterModule } from './adapter-modules.js';
import { AdapterRegistry } from './adapters.js';
import { commaList } from './args.js';
import { CliError, UsageError } from './errors.js';

/** Config file names looked for in the current directory (without `--config`), in this order. */
export const CONFIG_FILE_NAMES = ['nimbus.config.json', '.nimbusrc.json'] as const;

/** The `parseArgs` options every command that uses adapters takes: `--adapter` (repeatable) and `--config`. */
export const ADAPTER_FLAGS = {
  adapter: { type: 'string', multiple: true },
  config: { type: 'string' },
} as const;

// Words wrapped into lines of at most `width` characters.
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * The `--help` lines of {@link ADAPTER_FLAGS}, with descriptions starting at `column` as the command's other
 * flags do.
 *
 * @param builtins - the built-in adapters' names.
 */
export function adapterFlagsHelp(builtins: readonly string[], column: number): string {
  const flag = (name: string, text: string) =>
    wrap(text, 106 - column)
      .map((line, i) => `${i === 0 ? `      ${name}`.padEnd(column) : ' '.repeat(column)}${line}`)
      .join('\n');
  return [
    flag(
      '--adapter ADAPTER',
      `an adapter's name: use only the named adapters (default all: ${builtins.join(', ')} and those of the ` +
        "config file); or a package or path of an adapter module (its default export, or 'adapter'): " +
        'load it and use it too (repeatable)',
    ),
    flag(
      '--config PATH',
      `a JSON file {"adapters": [modules...]} of adapters to load (default: ${CONFIG_FILE_NAMES.join(' or ')} in ` +
        'the current directory)',
    ),
  ].join('\n');
}

/** A config file: adapter modules to load, besides the built-in adapters. */
export interface CliConfig {
  /** The file it was read from. */
  readonly path: string;
  /** Package names or paths (relative to the file's directory) of adapter modules. */
  readonly adapters: readonly string[];
}

/**
 * Reads the config file: `explicit` (from `--config`, relative to `cwd`) or else the first of
 * {@link CONFIG_FILE_NAMES} in `cwd`; undefined when there is none.
 *
 * @throws CliError naming the file and what is wrong in it.
 */
export function readConfig(explicit: string | undefined, cwd: string): CliConfig | undefined {
  let path: string;
  if (explicit !== undefined) {
    path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new CliError(`--config ${explicit}: no such file (${path})`);
  } else {
    const found = CONFIG_FILE_NAMES.map((name) => join(cwd, name)).filter((p) => existsSync(p));
    if (found.length === 0) return undefined;
    if (found.length > 1) {
      throw new CliError(`${found.join(' and ')} both exist; keep one of them (or pass --config PATH)`);
    }
    path = found[0] as string;
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CliError(`${path}: must be a JSON object such as {"adapters": ["./adapter.js"]}`);
  }
  const unknown = Object.keys(data).filter((k) => k !== 'adapters');
  if (unknown.length > 0) {
    throw new CliError(
      `${path}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')}; the only key is "adapters"`,
    );
  }
  const adapters = (data as { adapters?: unknown }).adapters ?? [];
  if (!Array.isArray(adapters) || adapters.some((a) => typeof a !== 'string' || a.trim() === '')) {
    throw new CliError(
      `${path}: "adapters" must be an array of package names or paths, e.g. ["@acme/nimbus-adapter/declaration"]`,
    );
  }
  return { path, adapters: adapters as string[] };
}

/** Where the adapters a command uses come from. */
export interface AdapterSources {
  /** The built-in adapters. */
  readonly builtins: readonly AdapterDeclaration[];
  /** The directory `--adapter` paths, packages and the default config file are found from. */
  readonly cwd: string;
}

interface Loaded {
  readonly declaration: AdapterDeclaration;
  readonly origin: string;
}

// Adapters loaded later replace earlier ones of the same name: a config file's replace built-ins (a newer version
// of one), --adapter's replace both. Within one source two modules may not share a name, since nobody could tell
// which one's objects are which. The same module named twice counts once.
function merge(base: readonly Loaded[], added: readonly Loaded[]): Loaded[] {
  const result = base.filter((b) => !added.some((a) => a.declaration.name === b.declaration.name));
  for (const item of added) {
    const same = result.find((r) => r.declaration.name === item.declaration.name);
    if (same?.declaration === item.declaration) continue;
    if (same) {
      throw new UsageError(
        `adapter "${item.declaration.name}" is loaded twice, by ${same.origin} and by ${item.origin}; load it once`,
      );
    }
    result.push(item);
  }
  return result;
}

async function load(
  specifier: string,
  baseDir: string,
  origin: string,
  fromFlag: boolean,
  notFound?: () => string,
): Promise<Loaded[]> {
  try {
    return (await loadAdapterModule(specifier, baseDir)).map((declaration) => ({ declaration, origin }));
  } catch (error) {
    if (!(error instanceof AdapterModuleError)) throw error;
    const message = error.kind === 'notFound' && notFound ? notFound() : `${origin}: ${error.message}`;
    // A wrong argument is a usage error; a module that throws while loading, or any config entry, is not.
    throw fromFlag && error.kind !== 'failed' ? new UsageError(message) : new CliError(message);
  }
}

/**
 * The adapters a command uses, from its `--adapter` and `--config` flags.
 *
 * Known adapters are the built-ins plus the modules of the config file. Each `--adapter` value that names a
 * known adapter selects it; any other value is a module (package or path, resolved from `cwd`) that is loaded
 * and used besides. Without names every known adapter is used; with names, only those and the loaded modules.
 *
 * @throws UsageError for a value that is neither a known name nor a loadable module (naming both and the fix);
 *   CliError for a config file or module that is broken.
 */
export async function selectAdapters(
  values: { readonly adapter?: readonly string[]; readonly config?: string },
  sources: AdapterSources,
): Promise<AdapterRegistry> {
  const builtins = sources.builtins.map((declaration) => ({ declaration, origin: 'built in' }));
  const config = readConfig(values.config, sources.cwd);
  const fromConfig: Loaded[] = [];
  for (const [i, specifier] of (config?.adapters ?? []).entries()) {
    const origin = `${config?.path}: adapters[${i}] "${specifier}"`;
    if (builtins.some((b) => b.declaration.name === specifier)) {
      throw new CliError(`${origin} is a built-in adapter, always known; list only modules to load`);
    }
    // Paths in a config file are relative to the file, so it works from any directory.
    fromConfig.push(...(await load(specifier, dirname(config?.path ?? sources.cwd), origin, false)));
  }
  const known = merge(builtins, fromConfig);
  const isKnown = (name: string, among: readonly Loaded[]) => among.some((k) => k.declaration.name === name);

  const requested = commaList(values.adapter);
  const names: string[] = [];
  const fromFlags: Loaded[] = [];
  const bare: string[] = [];
  for (const value of requested) {
    if (isKnown(value, known)) names.push(value);
    else if (isPathSpecifier(value, sources.cwd))
      fromFlags.push(...(await load(value, sources.cwd, `--adapter ${value}`, true)));
    else bare.push(value);
  }
  // A plain word is a name when a module given by path declares it (--adapter ./x.js --adapter x), else a package.
  for (const value of bare) {
    if (isKnown(value, fromFlags)) names.push(value);
    else {
      const notFound = value.includes('/')
        ? undefined
        : () =>
            `--adapter ${value}: no adapter of that name (known: ${known.map((k) => k.declaration.name).join(', ')}) ` +
            `and no package ${value} installed where Node looks from ${sources.cwd}; pass a known name, a package ` +
            'name or a path (./adapter.js)';
      fromFlags.push(...(await load(value, sources.cwd, `--adapter ${value}`, true, notFound)));
    }
  }
  const all = merge(known, fromFlags);
  const selected =
    names.length === 0
      ? all
      : all.filter(
          (a) => names.includes(a.declaration.name) || fromFlags.some((f) => f.declaration === a.declaration),
        );
  try {
    return new AdapterRegistry(selected.map((s) => s.declaration));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; use only one of them`);
  }
}
