import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';

/**
 * The exports `nimbus` reads an adapter module's declaration(s) from, in this order: the first that holds an
 * {@link AdapterDeclaration} or an array of them wins. A module with none of them is searched for named exports
 * that are declarations (so a package's main entry point works too).
 */
export const DECLARATION_EXPORTS = ['default', 'adapters', 'declarations', 'adapter', 'declaration'] as const;

// Lease names (`nimbus-<name>`), managed-by values and condition types are made from the name: a DNS label.
const ADAPTER_NAME = /^[a-z0-9]([a-z0-9-]{0,53}[a-z0-9])?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function resourceTypeProblems(value: unknown, where: string): string[] {
  if (!isRecord(value)) return [`${where} must be a ResourceType object`];
  const problems: string[] = [];
  for (const field of ['apiVersion', 'kind', 'plural'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '')
      problems.push(`${where}.${field} must be a non-empty string`);
  }
  if (typeof value.namespaced !== 'boolean') problems.push(`${where}.namespaced must be true or false`);
  return problems;
}

/**
 * What keeps `value` from being an {@link AdapterDeclaration} of `@nimbus-ts/k8s`, one message per field; empty
 * when it is one. Checked before an adapter module's export is used, so a wrong export is reported by field
 * instead of failing later inside a builder. Pure.
 */
export function declarationProblems(value: unknown): string[] {
  if (!isRecord(value) || Array.isArray(value)) return ['it is not an object'];
  const problems: string[] = [];
  if (typeof value.name !== 'string' || !ADAPTER_NAME.test(value.name)) {
    problems.push('name must be a short lower-case name such as "kubearmor" (letters, digits and -)');
  }
  if (!Array.isArray(value.intents) || value.intents.some((id) => typeof id !== 'string' || id === '')) {
    problems.push('intents must be an array of intent IDs');
  }
  if (!Array.isArray(value.kinds)) problems.push('kinds must be an array of ResourceTypes');
  else problems.push(...value.kinds.flatMap((kind, i) => resourceTypeProblems(kind, `kinds[${i}]`)));
  if (value.inputs !== undefined) {
    if (!isRecord(value.inputs)) problems.push('inputs must be an object of ResourceTypes');
    else
      for (const [name, input] of Object.entries(value.inputs))
        problems.push(...resourceTypeProblems(input, `inputs.${name}`));
  }
  if (typeof value.build !== 'function') problems.push('build must be a function');
  if (value.buildCluster !== undefined && typeof value.buildCluster !== 'function')
    problems.push('buildCluster must be a function when given');
  return problems;
}

function asDeclarations(value: unknown): AdapterDeclaration[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  return list.every((v) => declarationProblems(v).length === 0) ? (list as AdapterDeclaration[]) : undefined;
}

/** The declarations a module exports, or why none was found. */
export type ModuleDeclarations =
  | { readonly found: true; readonly declarations: readonly AdapterDeclaration[]; readonly from: string }
  | { readonly found: false; readonly problems: readonly string[] };

/**
 * Finds the adapter declarations among a module's exports by the documented convention
 * ({@link DECLARATION_EXPORTS}, then any named export that is a declaration). When none is found, `problems`
 * says what the conventional exports that exist lack. Pure.
 *
 * @param namespace - the module namespace object `import()` resolved to.
 */
export function declarationsInModule(namespace: Readonly<Record<string, unknown>>): ModuleDeclarations {
  const problems: string[] = [];
  for (const name of DECLARATION_EXPORTS) {
    if (!(name in namespace) || namespace[name] === undefined) continue;
    const declarations = asDeclarations(namespace[name]);
    if (declarations) return { found: true, declarations, from: `export ${name}` };
    const value = namespace[name];
    const details = (Array.isArray(value) ? value : [value]).flatMap((v, i) =>
      declarationProblems(v).map((p) => (Array.isArray(value) ? `[${i}] ${p}` : p)),
    );
    problems.push(`export ${name}: ${details.length > 0 ? details.join('; ') : 'it is an empty array'}`);
  }
  const named = Object.entries(namespace).filter(
    ([name, value]) =>
      !(DECLARATION_EXPORTS as readonly string[]).includes(name) && declarationProblems(value).length === 0,
  );
  if (named.length > 0) {
    const declarations = [...new Set(named.map(([, value]) => value as AdapterDeclaration))];
    return { found: true, declarations, from: `export ${named.map(([name]) => name).join(', ')}` };
  }
  return { found: false, problems };
}

/** Why an adapter module could not be used; `kind` tells a wrong argument from a broken module. */
export class AdapterModuleError extends Error {
  override readonly name = 'AdapterModuleError';

  constructor(
    /** `notFound`: nothing at that specifier; `noDeclaration`: loaded, but no declaration; `failed`: it threw. */
    readonly kind: 'notFound' | 'noDeclaration' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether an adapter specifier is a path (as opposed to a package name): it starts with `.` or `/`, is a
 * `file:` URL or an absolute path, or names an existing file relative to `baseDir` (so `dist/adapter.js` works
 * without `./`).
 */
export function isPathSpecifier(specifier: string, baseDir: string): boolean {
  return (
    specifier.startsWith('.') ||
    specifier.startsWith('/') ||
    specifier.startsWith('file:') ||
    isAbsolute(specifier) ||
    isFile(resolve(baseDir, specifier))
  );
}

/**
 * The URL `import()` loads for an adapter specifier: a path resolved against `baseDir`, or a package (with an
 * optional subpath, e.g. `@acme/adapter/declaration`) resolved from `baseDir` as Node resolves it, through the
 * package's `exports` (its `default`, `node` or `require` condition).
 *
 * @throws AdapterModuleError (`notFound`) saying what was looked for where, and how to fix it.
 */
export function resolveAdapterSpecifier(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isPathSpecifier(specifier, baseDir)) {
    const path = resolve(baseDir, specifier);
    if (!isFile(path)) {
      throw new AdapterModuleError(
        'notFound',
        `no file ${path}; give the path of the adapter's built JavaScript module (e.g. dist/declaration.js)`,
      );
    }
    return pathToFileURL(path).href;
  }
  try {
    return pathToFileURL(createRequire(join(baseDir, 'noop.js')).resolve(specifier)).href;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new AdapterModuleError(
        'notFound',
        `package ${specifier} does not export that entry point for Node's default or require conditions; ` +
          'name an entry point it exports (e.g. <package>/declaration) or give the path of its file',
      );
    }
    throw new AdapterModuleError(
      'notFound',
      `no package ${specifier} is installed where Node looks from ${baseDir}; install it there, or give a path ` +
        '(./adapter.js)',
    );
  }
}

/**
 * Loads an adapter module with dynamic `import()` and returns the declarations it exports (see
 * {@link declarationsInModule}).
 *
 * @param baseDir - the directory paths and package names are resolved from.
 * @throws AdapterModuleError naming what is wrong and the fix.
 */
export async function loadAdapterModule(specifier: string, baseDir: string): Promise<AdapterDeclaration[]> {
  const url = resolveAdapterSpecifier(specifier, baseDir);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new AdapterModuleError('failed', `loading ${url} failed: ${(error as Error).message}`);
  }
  const found = declarationsInModule(namespace);
  if (found.found) return [...found.declarations];
  const why = found.problems.length > 0 ? ` (${found.problems.join('; ')})` : '';
  throw new AdapterModuleError(
    'noDeclaration',
    `${url} exports no adapter declaration${why}; export the AdapterDeclaration as default ` +
      "(export default adapter) or as 'adapter', or name the package's ./declaration entry point",
  );
}
